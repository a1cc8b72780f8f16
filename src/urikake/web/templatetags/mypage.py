"""``{% my_dashboard organization %}`` — the applicant's dashboard on my page (funds received,
fees with their APR, open deals with the next step, credit line, contracts, history).

A template tag, so the applicants app (a lower layer) shows it without importing the apps
above it; the rows come from :mod:`urikake.web.dashboard`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from urikake.domain.money import format_rate_percent
from urikake.treasury.models import Payout
from urikake.web import dashboard

register = template.Library()

APR_PLACES = 1  # the APR is rounded to 0.1% (client_reports.APR_STEP): one decimal place
CONTRACTS_SHOWN = 5  # the newest deals with contracts; the contracts list shows them all


@register.inclusion_tag("web/my/_dashboard.html")
def my_dashboard(organization: Any) -> dict[str, Any]:
    if organization is None:
        return {"organization": None}
    today = dashboard.today()
    # The organisation's deals first: without any (a new client), its open deals, contracts
    # and history are all empty (each belongs to a deal of the organisation), so they are not
    # asked for.
    deal_ids = dashboard.application_ids(organization)
    # The figures are sums by the database and the lists the newest few: the page costs the
    # same for a client with three deals and for one with thousands.
    funds = dashboard.funds(organization, today=today)
    # A funded deal's advance is among the funds (an advance always goes to the client: only
    # the guarantor's payouts have a debit account): without one, no deal has a cost.
    costs = (
        dashboard.deal_costs(organization, limit=dashboard.FUNDED_DEALS_SHOWN)
        if any(kind == Payout.Kind.ADVANCE for kind, _amount in funds.by_kind)
        else dashboard.DealCosts([], 0)
    )
    shown = dashboard.OPEN_DEALS_SHOWN
    deals = dashboard.open_deals(organization, today=today, limit=shown + 1) if deal_ids else []
    return {
        "organization": organization,
        "today": today,
        "funds": funds,
        # What the total adds up (a purchase, a loan drawn, a guarantee paid…), by label.
        "funds_by_kind": [(Payout.Kind(k).label, amount) for k, amount in funds.by_kind],
        "costs": costs.rows,
        "more_costs": costs.more,
        "fees_total": costs.fees_total,
        "deals": deals[:shown],
        "more_deals": len(deals) > shown,
        "line": dashboard.credit_line(organization),
        "contracts": (
            dashboard.contract_items(organization, limit=CONTRACTS_SHOWN) if deal_ids else []
        ),
        "history": dashboard.history(organization, ids=deal_ids),
    }


@register.filter
def apr(value: object) -> str:
    """An APR fraction (already rounded half-up to 0.1%) as ``64.0%``; — without one."""
    if not isinstance(value, Decimal):
        return "—"
    return format_rate_percent(value, APR_PLACES)
