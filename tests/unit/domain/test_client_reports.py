"""The my page's numbers, from worked examples (issue 10, item 3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain.applications import ApplicationStatus as S
from urikake.domain.client_reports import (
    DealCost,
    KindReceived,
    NextStep,
    StatementRow,
    Step,
    apr_equivalent,
    check_period,
    funds_from_kinds,
    next_step,
    statement_totals,
)
from urikake.domain.errors import DomainError


def test_apr_of_a_thirty_day_deal() -> None:
    # 買取金額 800,000円, 手数料 40,000円, 30日: 40,000 / 760,000 × 365 / 30 = 0.64035… → 64.0%
    assert apr_equivalent(800_000, 40_000, 30) == Decimal("0.640")


def test_apr_of_a_forty_five_day_deal() -> None:
    # 20,000 / 980,000 × 365 / 45 = 0.165532… → 16.6% (half-up at the 0.1% step)
    assert apr_equivalent(1_000_000, 20_000, 45) == Decimal("0.166")


def test_apr_rounds_half_up_not_to_even() -> None:
    # 1 / 1,000 × 365 / 730 = 0.0005 exactly: half-up gives 0.1%, half-even would give 0.0%.
    assert apr_equivalent(1_001, 1, 730) == Decimal("0.001")
    # 3 / 1,000 × 365 / 730 = 0.0015 → 0.002 (half-even would also say 0.002; 0.0025 → 0.003)
    assert apr_equivalent(1_005, 5, 730) == Decimal("0.003")


def test_apr_without_a_period_or_fee() -> None:
    assert apr_equivalent(100_000, 1_000, 0) is None
    assert apr_equivalent(100_000, 0, 30) == Decimal("0")
    with pytest.raises(DomainError):
        apr_equivalent(100_000, 100_000, 30)  # the fee cannot eat the whole advance


def test_deal_cost_counts_the_days_funded() -> None:
    deal = DealCost(
        ref="INV-1",
        face=1_100_000,
        advance=1_000_000,
        fee=18_000,
        admin_fee=2_000,
        paid_out_on=date(2026, 10, 1),
        until=date(2026, 11, 15),
        settled=True,
    )
    assert deal.fees == 20_000
    assert deal.received == 980_000
    assert deal.days == 45
    assert deal.apr == Decimal("0.166")


def test_funds_in_total_this_month_and_by_kind_in_the_order_first_received() -> None:
    kinds = [
        KindReceived("reserve", 20_000, 20_000, 1, (date(2026, 12, 4), 7)),
        KindReceived("advance", 600_000, 100_000, 2, (date(2026, 11, 30), 9)),
        # two kinds first received the same day: the payout sent first (lower id) leads
        KindReceived("loan", 300_000, 300_000, 1, (date(2026, 12, 1), 3)),
        KindReceived("guarantee", 5_000, 5_000, 1, (date(2026, 12, 1), 2)),
    ]
    got = funds_from_kinds(kinds)
    assert (got.total, got.this_month, got.count) == (925_000, 425_000, 5)
    assert got.by_kind == (
        ("advance", 600_000),
        ("guarantee", 5_000),  # the same value date as the loan, sent first
        ("loan", 300_000),
        ("reserve", 20_000),
    )
    assert funds_from_kinds([]) == funds_from_kinds(())
    assert funds_from_kinds([]).total == 0


@pytest.mark.parametrize(
    ("status", "kwargs", "expected"),
    [
        (S.DRAFT, {}, NextStep(Step.SUBMIT, None)),
        (S.REFERRED, {}, NextStep(Step.WAIT_SCREENING, None)),
        (
            S.OFFERED,
            {"offer_expires_on": date(2026, 12, 9)},
            NextStep(Step.ANSWER_OFFER, date(2026, 12, 9)),
        ),
        (S.ACCEPTED, {"payout_on": date(2026, 12, 10)}, NextStep(Step.SIGN, date(2026, 12, 10))),
        (
            S.CONTRACTED,
            {"payout_on": date(2026, 12, 10)},
            NextStep(Step.WAIT_PAYOUT, date(2026, 12, 10)),
        ),
        (
            S.FUNDED,
            {"collect_by": date(2027, 1, 29)},
            NextStep(Step.DEBTOR_PAYS_US, date(2027, 1, 29)),
        ),
        (
            S.FUNDED,
            {"collect_by": date(2027, 1, 29), "client_forwards": True},
            NextStep(Step.REPORT_AND_FORWARD, date(2027, 1, 29)),
        ),
        (
            S.FUNDED,
            {
                "collect_by": date(2027, 1, 29),
                "client_forwards": True,
                "forward_due_on": date(2026, 12, 8),
            },
            NextStep(Step.FORWARD_NOW, date(2026, 12, 8)),
        ),
        (
            S.FUNDED,
            {
                "collect_by": date(2026, 12, 1),
                "client_forwards": True,
                "forward_due_on": date(2026, 12, 3),
            },
            NextStep(Step.FORWARD_NOW, date(2026, 12, 3), overdue=True),
        ),
        (
            S.FUNDED,
            {"collect_by": date(2026, 12, 1)},
            NextStep(Step.OVERDUE, date(2026, 12, 1), overdue=True),
        ),
        (S.SETTLED, {}, None),
        (S.DECLINED, {}, None),
    ],
)
def test_next_step(status: S, kwargs: dict, expected: NextStep | None) -> None:
    assert next_step(status, today=date(2026, 12, 6), **kwargs) == expected


def test_statement_period_bounds() -> None:
    today = date(2026, 12, 6)
    check_period(date(2026, 11, 1), date(2026, 11, 30), today=today)
    for start, end, code in [
        (date(2026, 12, 1), date(2026, 11, 1), "statement.period_order"),
        (date(2026, 12, 1), date(2026, 12, 7), "statement.period_future"),
        (date(2020, 1, 1), date(2026, 12, 1), "statement.period_too_long"),
    ]:
        with pytest.raises(DomainError) as exc:
            check_period(start, end, today=today)
        assert exc.value.code == code


def test_statement_totals() -> None:
    rows = [
        StatementRow(
            date(2026, 11, 2), "advance", "INV-1", "株式会社A", 1_100_000, 20_000, 960_000
        ),
        StatementRow(date(2026, 11, 20), "reserve", "INV-1", "株式会社A", 0, 0, 110_000),
    ]
    totals = statement_totals(rows)
    assert (totals.face, totals.fees, totals.received) == (1_100_000, 20_000, 1_070_000)
    assert (totals.advances, totals.reserves) == (960_000, 110_000)
