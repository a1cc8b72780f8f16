"""The treasury's configurable rules, read from settings (see docs/configuration.md)."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from urikake.domain import ledger as book
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.perfection import Method, PerfectionPolicy
from urikake.domain.products import ProductId, spec


def perfection_policy(product: ProductId | str) -> PerfectionPolicy:
    """The product spec's perfection policy, unless ``TREASURY_PERFECTION[<product id>]``
    overrides it: "notice", "consent" or "registration", with ":early" when funding may precede
    the perfection."""
    product_spec = spec(product)
    configured = getattr(settings, "TREASURY_PERFECTION", {}).get(product_spec.id)
    if not configured:
        return product_spec.perfection
    method, _, flag = configured.partition(":")
    try:
        return PerfectionPolicy(Method(method), fund_before_perfection=flag == "early")
    except ValueError as exc:
        raise DomainError(
            "treasury.bad_policy", f"TREASURY_PERFECTION の設定が正しくありません: {configured}"
        ) from exc


def bank_cutoff() -> time:
    hour, _, minute = settings.TREASURY_BANK_CUTOFF.partition(":")
    return time(int(hour), int(minute or 0))


def next_value_date(now: datetime | None = None) -> date:
    """The earliest 振込指定日 a batch made now can carry: today before the cut-off on a bank
    business day, else the next bank business day."""
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    if is_bank_business_day(today) and local.time() < bank_cutoff():
        return today
    return next_bank_business_day(today)


def platform_cash_account() -> str:
    """The ledger account of the platform's bank account (payouts leave, collections arrive)."""
    return book.cash(
        settings.ZENGIN_BANK_CODE, settings.ZENGIN_BRANCH_CODE, settings.ZENGIN_ACCOUNT_NUMBER
    )


def client_code(organization_id: int) -> str:
    return f"O{organization_id}"


def debtor_code(debtor_id: int) -> str:
    return f"D{debtor_id}"
