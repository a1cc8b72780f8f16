"""Back-office pages of the treasury: the dashboard (what needs doing today)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.treasury.models import Deposit, Payout, PayoutBatch, Perfection, PurchasedReceivable


@staff(Capability.MANAGE_TREASURY)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "perfection_pending": Perfection.objects.exclude(
            stage__in=["perfected", "extended", "cancelled"]
        ).count(),
        "payouts_pending": Payout.objects.filter(status="pending").count(),
        "batches_unsent": PayoutBatch.objects.filter(status="generated").count(),
        "deposits_suggested": Deposit.objects.filter(status="suggested").count(),
        "deposits_unmatched": Deposit.objects.filter(status="unmatched").count(),
        "open_purchases": PurchasedReceivable.objects.filter(status="open").count(),
    }
    return render(request, "treasury/dashboard.html", context)
