"""What the applicant's my page, its transaction statement (取引明細) and its quote (見積書)
say in numbers — pure functions, no Django.

* :func:`apr_equivalent` — the annual-rate equivalent (年率換算) of what a deal cost: the
  fees over the cash actually received, for the days it was funded, actual/365, exactly as
  :func:`urikake.domain.money.discount_fee_apr` computes it, then **rounded half-up to
  0.1%** (:data:`APR_ROUNDING`, :data:`APR_STEP`) for display;
* :class:`DealCost` — one funded deal: face, advance, fees, the days funded (payout date to
  the day the debtor's money came in, or to the expected day while it is open) and its APR;
* :func:`funds_from_kinds` — payouts received in total, in the current month and by kind,
  from each kind's totals (summed by the database, not payout by payout);
* :func:`next_step` — what the applicant must do (or wait for) next on an open deal, and by
  when; the wording is the pages' (a :class:`Step` and a date, never text here);
* :func:`statement_rows` / :class:`StatementRow` — the lines of a 取引明細 for a period, with
  totals that reconcile with the payouts and the ledger.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from urikake.domain.applications import ApplicationStatus
from urikake.domain.errors import DomainError
from urikake.domain.money import discount_fee_apr

__all__ = [
    "APR_ROUNDING",
    "APR_STEP",
    "MAX_STATEMENT_DAYS",
    "DealCost",
    "FundsReceived",
    "KindReceived",
    "NextStep",
    "StatementRow",
    "StatementTotals",
    "Step",
    "apr_equivalent",
    "check_period",
    "funds_from_kinds",
    "next_step",
    "statement_totals",
]

#: The APR is shown to 0.1% (as a fraction: 0.001), rounded half-up (四捨五入).
APR_STEP = Decimal("0.001")
APR_ROUNDING = ROUND_HALF_UP
#: A statement covers at most about five years (bounds on a typed period).
MAX_STATEMENT_DAYS = 366 * 5


def apr_equivalent(advance: int, fees: int, days: int) -> Decimal | None:
    """``fees ÷ (advance − fees) × 365 ÷ days`` rounded half-up to 0.1% (as a fraction).

    ``advance`` is the purchase price (買取金額), ``fees`` the fee plus the admin fee, so
    ``advance − fees`` is the cash the client received. None when there is no period to
    annualise (``days <= 0``: paid out and collected the same day). Zero fees give 0.
    """
    if days <= 0:
        return None
    if fees == 0:
        return Decimal("0.000")
    exact = discount_fee_apr(advance, fees, days)
    return exact.quantize(APR_STEP, rounding=APR_ROUNDING)


@dataclass(frozen=True, slots=True)
class DealCost:
    """What one funded deal cost the client."""

    ref: str  # how the page names it (the invoice number)
    face: int
    advance: int
    fee: int
    admin_fee: int
    paid_out_on: date
    until: date  # the day the debtor's money came in, or the expected day while open
    settled: bool

    @property
    def fees(self) -> int:
        return self.fee + self.admin_fee

    @property
    def received(self) -> int:
        """The cash the client received for the deal (お振込金額)."""
        return self.advance - self.fees

    @property
    def days(self) -> int:
        return (self.until - self.paid_out_on).days

    @property
    def apr(self) -> Decimal | None:
        return apr_equivalent(self.advance, self.fees, self.days)


@dataclass(frozen=True, slots=True)
class FundsReceived:
    total: int
    this_month: int
    count: int
    #: The total by kind of payout (買取代金, 留保金返還, 担保融資の実行…), in the order the
    #: kinds were first received: the page names what the total adds up, because a loan
    #: drawn is not money from a purchase.
    by_kind: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class KindReceived:
    """The payouts of one kind the client received: in total, in the current month, how
    many, and the first of them (its value date, then its id: the order of receipt)."""

    kind: str
    total: int
    this_month: int
    count: int
    first: tuple[date, int]


def funds_from_kinds(kinds: Iterable[KindReceived]) -> FundsReceived:
    """What the client received, from each kind's totals; the kinds in the order they were
    first received (by value date, then payout id)."""
    ordered = sorted(kinds, key=lambda k: k.first)
    return FundsReceived(
        total=sum(k.total for k in ordered),
        this_month=sum(k.this_month for k in ordered),
        count=sum(k.count for k in ordered),
        by_kind=tuple((k.kind, k.total) for k in ordered),
    )


class Step(enum.StrEnum):
    """What happens next on an open deal (the pages word each one)."""

    SUBMIT = "submit"  # a draft: send the application
    WAIT_SCREENING = "wait_screening"  # submitted / screening / referred: we are reviewing
    ANSWER_OFFER = "answer_offer"  # an offer: accept it by its expiry
    SIGN = "sign"  # accepted: sign the contract before the payout date
    WAIT_PAYOUT = "wait_payout"  # contracted: the money is on its way (payout date)
    DEBTOR_PAYS_US = "debtor_pays_us"  # funded, three-party: the debtor pays us by the due date
    REPORT_AND_FORWARD = "report_and_forward"  # funded, two-party: forward what the debtor pays
    FORWARD_NOW = "forward_now"  # two-party, reported: transfer it to us by the deadline
    OVERDUE = "overdue"  # the deadline has passed


@dataclass(frozen=True, slots=True)
class NextStep:
    step: Step
    deadline: date | None
    overdue: bool = False


def next_step(
    status: ApplicationStatus,
    *,
    today: date,
    offer_expires_on: date | None = None,
    payout_on: date | None = None,
    collect_by: date | None = None,
    client_forwards: bool = False,
    forward_due_on: date | None = None,
) -> NextStep | None:
    """The next step of a deal and its deadline; None when nothing is left to do (declined,
    cancelled, expired, settled, defaulted).

    ``payout_on`` is the offer's payout date (the contract must be signed before it);
    ``collect_by`` the day the money is due (the due date moved to a bank business day);
    ``forward_due_on`` the two-party forwarding deadline once the client reported the payment.
    """
    S = ApplicationStatus
    if status is S.DRAFT:
        return NextStep(Step.SUBMIT, None)
    if status in (S.SUBMITTED, S.SCREENING, S.REFERRED):
        return NextStep(Step.WAIT_SCREENING, None)
    if status is S.OFFERED:
        return NextStep(Step.ANSWER_OFFER, offer_expires_on)
    if status is S.ACCEPTED:
        return NextStep(Step.SIGN, payout_on)
    if status is S.CONTRACTED:
        return NextStep(Step.WAIT_PAYOUT, payout_on)
    if status is S.FUNDED:
        if client_forwards and forward_due_on is not None:
            return NextStep(Step.FORWARD_NOW, forward_due_on, overdue=today > forward_due_on)
        if collect_by is not None and today > collect_by:
            return NextStep(Step.OVERDUE, collect_by, overdue=True)
        step = Step.REPORT_AND_FORWARD if client_forwards else Step.DEBTOR_PAYS_US
        return NextStep(step, collect_by)
    return None


def check_period(start: date, end: date, *, today: date) -> None:
    """A statement period the applicant typed: start ≤ end, at most five years, not after
    today. Raises :class:`DomainError` with a Japanese message."""
    if start > end:
        raise DomainError(
            "statement.period_order", "開始日は終了日以前の日付にしてください。", field="start"
        )
    if end > today:
        raise DomainError(
            "statement.period_future", "終了日は今日以前の日付にしてください。", field="end"
        )
    if (end - start).days > MAX_STATEMENT_DAYS:
        raise DomainError(
            "statement.period_too_long", "期間は5年以内で指定してください。", field="start"
        )


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One line of a 取引明細: a payout the client received (the advance of a deal with its
    face and fees, or a released holdback)."""

    on: date
    kind: str  # "advance" | "reserve"
    invoice_numbers: str
    debtor: str
    face: int  # 0 for a holdback release
    fees: int  # fee + admin fee; 0 for a holdback release
    received: int  # the amount transferred to the client


@dataclass(frozen=True, slots=True)
class StatementTotals:
    face: int
    fees: int
    received: int
    advances: int
    reserves: int


def statement_totals(rows: Sequence[StatementRow]) -> StatementTotals:
    return StatementTotals(
        face=sum(r.face for r in rows),
        fees=sum(r.fees for r in rows),
        received=sum(r.received for r in rows),
        advances=sum(r.received for r in rows if r.kind == "advance"),
        reserves=sum(r.received for r in rows if r.kind == "reserve"),
    )
