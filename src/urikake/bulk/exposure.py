"""Receivables bought early in bulk factoring as an exposure source
(urikake.receivables.exposure): the buyer owes them to the platform on the due date."""

from __future__ import annotations

from django.db.models import Sum

from urikake.bulk.models import Payable
from urikake.receivables.models import DebtorIdentity


def bought_payables(identity_id: int) -> int:
    """Face value of the payables the platform bought early and the buyer has not yet paid.
    The buyer is matched to the debtor identity by its 法人番号 (a buyer always has one)."""
    number = (
        DebtorIdentity.objects.filter(pk=identity_id)
        .values_list("corporate_number", flat=True)
        .first()
    )
    if not number:
        return 0
    rows = Payable.objects.filter(
        program__organization__corporate_number=number,
        status=Payable.Status.EARLY,
        settlement__isnull=True,  # until the buyer's due-date payment settles them
    ).aggregate(total=Sum("amount"))
    return int(rows["total"] or 0)
