"""Pledged collateral as an exposure source (urikake.receivables.exposure) and an
encumbrance source (urikake.receivables.encumbrances)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet, Sum

from urikake.lending.models import Collateral


def pledged_collateral(identity_id: int) -> int:
    """Face value not yet collected of the receivables pledged against loans: if the debtor
    fails, the borrowing base behind those loans falls by as much."""
    rows = Collateral.objects.filter(
        invoice__debtor__identity_id=identity_id, status=Collateral.Status.PLEDGED
    ).aggregate(total=Sum(F("face_amount") - F("collected_amount")))
    return int(rows["total"] or 0)


def pledged_invoices() -> QuerySet[Any]:
    """Ids of the invoices pledged now (a loan applied for pledges them already)."""
    return Collateral.objects.filter(status=Collateral.Status.PLEDGED).values_list(
        "invoice_id", flat=True
    )
