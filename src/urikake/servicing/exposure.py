"""Purchased positions as an exposure source (urikake.receivables.exposure)."""

from __future__ import annotations

from django.db.models import F, Sum

from urikake.servicing.models import Position


def open_positions(identity_id: int) -> int:
    """Face value not yet collected of the open and defaulted positions on the debtor."""
    rows = Position.objects.filter(
        debtor__identity_id=identity_id,
        status__in=[Position.Status.OPEN, Position.Status.DEFAULTED],
    ).aggregate(total=Sum(F("face_amount") - F("collected_amount")))
    return int(rows["total"] or 0)
