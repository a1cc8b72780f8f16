"""The treasury's configurable rules, read from settings (see docs/configuration.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone

from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.perfection import Method, PerfectionPolicy
from urikake.domain.products import ProductId, spec
from urikake.ledger import services as ledger


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


@dataclass(frozen=True)
class OperatorIdentity:
    """The operator (the platform's company) as its documents and filings name it."""

    name: str
    address: str
    corporate_number: str  # 法人番号 (13 digits)
    representative: str


def operator_identity() -> OperatorIdentity:
    """The operator's own identifiers, from the ``CONTRACT_ASSIGNEE_*`` settings — the one
    place contracts, notices and the 債権譲渡登記 filing read them (docs/configuration.md)."""
    return OperatorIdentity(
        name=getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ",
        address=getattr(settings, "CONTRACT_ASSIGNEE_ADDRESS", ""),
        corporate_number=getattr(settings, "CONTRACT_ASSIGNEE_CORPORATE_NUMBER", ""),
        representative=getattr(settings, "CONTRACT_ASSIGNEE_REPRESENTATIVE", ""),
    )


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


def payout_queue_date(on: date | None = None) -> date:
    """The 振込指定日 a payout queued now asks for: ``on`` (default today), but never a day the
    bank can no longer carry. After today's cut-off (or on a bank holiday) that is the next
    bank business day, which is also the date the client is told the money arrives.

    The batch takes every pending payout whose date is on or before its own value date, so a
    payout queued for a later day waits for the batch of that day.
    """
    today = timezone.localdate()
    return max(on or today, today, next_value_date())


def platform_cash_account() -> str:
    """The ledger account of the platform's bank account (payouts leave, collections arrive)."""
    return ledger.operating_cash_account()


def client_code(organization_id: int) -> str:
    return f"O{organization_id}"


def debtor_code(debtor_id: int) -> str:
    return f"D{debtor_id}"
