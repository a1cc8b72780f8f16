"""Receivables-backed loans: the seed's numbers (seed 004 IV) and the rules around them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import ledger as book
from urikake.domain import ledger_lending as loans
from urikake.domain.assignment_clauses import ClauseStatus
from urikake.domain.errors import DomainError
from urikake.domain.lending import (
    SCHEMES,
    SEED_MATRIX,
    AdvanceRateMatrix,
    BoundKind,
    CollateralItem,
    CreditGrade,
    LoanDocument,
    ReceivableFacts,
    borrowing_base,
    collateral_value,
    decide_amount,
    effective,
    eligibility_problems,
    guarantee_fee,
    interest_on_balances,
    missing_documents,
    report_deadline,
    report_reminder_dates,
    revolving_period,
    scheme,
    split_repayment,
)
from urikake.domain.money import Rounding
from urikake.domain.perfection import Method
from urikake.domain.products import ProductId, spec

SEED = scheme("receivables_2001", date(2003, 8, 1))
LIQUID = scheme("liquid_assets_2007", date(2026, 1, 1))


def test_matrix_corners_are_the_seeds_bounds() -> None:
    # IV.5: 50% at the lowest grade with registration only … 90% at the best with consent.
    assert SEED_MATRIX.rate(CreditGrade.LOW, Method.REGISTRATION) == Decimal("0.50")
    assert SEED_MATRIX.rate(CreditGrade.HIGH, Method.CONSENT) == Decimal("0.90")
    every = [r for _, row in SEED_MATRIX.as_rows() for r in row]
    assert min(every) == Decimal("0.50")
    assert max(every) == Decimal("0.90")


def _rows(**overrides: str) -> dict[tuple[CreditGrade, Method], Decimal]:
    rates = dict(SEED_MATRIX.rates)
    for key, value in overrides.items():
        grade, method = key.split("__")
        rates[(CreditGrade(grade), Method(method))] = Decimal(value)
    return rates


@pytest.mark.parametrize("value", ["0.49", "0.91", "1"])
def test_matrix_refuses_a_cell_outside_50_to_90(value: str) -> None:
    with pytest.raises(DomainError) as exc:
        AdvanceRateMatrix(date(2026, 1, 1), _rows(low__registration=value))
    assert exc.value.code == "lending.advance_rate_bounds"


def test_matrix_must_be_complete_and_monotone() -> None:
    rates = _rows()
    del rates[(CreditGrade.NORMAL, Method.NOTICE)]
    with pytest.raises(DomainError, match="値がありません"):
        AdvanceRateMatrix(date(2026, 1, 1), rates)
    with pytest.raises(DomainError) as exc:  # a better grade with a lower rate
        AdvanceRateMatrix(date(2026, 1, 1), _rows(high__registration="0.55"))
    assert exc.value.code == "lending.matrix_not_monotone"
    with pytest.raises(DomainError):  # consent below notice
        AdvanceRateMatrix(date(2026, 1, 1), _rows(normal__consent="0.65"))


def test_effective_dated_versions() -> None:
    later = AdvanceRateMatrix(date(2026, 4, 1), _rows(high__consent="0.85"))
    versions = [SEED_MATRIX, later]
    assert effective(versions, date(2026, 3, 31)) is SEED_MATRIX
    assert effective(versions, date(2026, 4, 1)) is later
    with pytest.raises(DomainError):
        effective(versions, date(2000, 1, 1))
    # The liquid-asset scheme did not exist in 2003.
    with pytest.raises(DomainError):
        scheme("liquid_assets_2007", date(2003, 8, 1))


def test_the_two_scheme_versions() -> None:
    assert (SEED.cap_yen, SEED.coverage, SEED.fee_rate) == (
        111_000_000,
        Decimal("0.90"),
        Decimal("0.0085"),
    )
    assert (LIQUID.cap_yen, LIQUID.coverage, LIQUID.fee_rate) == (
        200_000_000,
        Decimal("0.80"),
        Decimal("0.0068"),
    )
    assert {s.code for s in SCHEMES} == {"receivables_2001", "liquid_assets_2007"}


def test_fee_is_085_percent_on_90_percent_of_the_loan() -> None:
    # ¥100,000,000 × 90% × 0.85% = ¥765,000 a year.
    assert guarantee_fee(100_000_000, SEED) == 765_000
    # The cap: ¥111,000,000 × 0.9 × 0.0085 = ¥849,150.
    assert guarantee_fee(111_000_000, SEED) == 849_150
    # Half a year (182 days), 円未満切捨て: 10,000,000 × 0.9 × 0.0085 × 182/365 = 38,145.2…
    assert guarantee_fee(10_000_000, SEED, days=182) == 38_145
    # The liquid-asset scheme: 0.68% on 80%.
    assert guarantee_fee(100_000_000, LIQUID) == 544_000
    with pytest.raises(DomainError):
        guarantee_fee(0, SEED)


def test_collateral_value_truncates_per_receivable() -> None:
    items = [
        CollateralItem("a", 1_000_001, Decimal("0.90")),  # 900,000.9 → 900,000
        CollateralItem("b", 333_333, Decimal("0.50")),  # 166,666.5 → 166,666
    ]
    assert collateral_value(items) == 1_066_666
    with pytest.raises(DomainError):
        CollateralItem("c", 100, Decimal("0.95")).value()


def test_amount_is_the_lowest_bound_with_its_reason() -> None:
    by_collateral = decide_amount(
        collateral=80_000_000, scheme_=SEED, decided=90_000_000, decided_reason_ja=""
    )
    assert by_collateral.amount == 80_000_000
    assert by_collateral.binding.kind is BoundKind.COLLATERAL
    by_cap = decide_amount(
        collateral=150_000_000, scheme_=SEED, decided=130_000_000, decided_reason_ja="資金需要"
    )
    assert by_cap.amount == 111_000_000
    assert by_cap.binding.kind is BoundKind.SCHEME_CAP
    assert "111,000,000円" in by_cap.binding.reason_ja
    by_need = decide_amount(
        collateral=50_000_000, scheme_=SEED, decided=20_000_000, decided_reason_ja="返済能力"
    )
    assert (by_need.amount, by_need.binding.reason_ja) == (20_000_000, "返済能力")
    assert [b.kind for b in by_need.bounds] == list(BoundKind)
    with pytest.raises(DomainError):
        decide_amount(collateral=0, scheme_=SEED, decided=10, decided_reason_ja="")


def test_revolving_period_is_one_year() -> None:
    assert revolving_period(date(2026, 5, 1)) == (date(2026, 5, 1), date(2027, 4, 30))
    assert revolving_period(date(2028, 2, 29)) == (date(2028, 2, 29), date(2029, 2, 28))


def test_borrowing_base_and_shortfall() -> None:
    items = [CollateralItem("a", 10_000_000, Decimal("0.80"))]
    base = borrowing_base(items, limit=10_000_000, outstanding=5_000_000)
    assert (base.collateral_value, base.available, base.shortfall) == (8_000_000, 3_000_000, 0)
    # The receivable was collected: no collateral left, the loan is short.
    empty = borrowing_base([], limit=10_000_000, outstanding=5_000_000)
    assert (empty.available, empty.shortfall) == (0, 5_000_000)
    # The limit binds when the collateral is larger.
    big = borrowing_base(items * 3, limit=10_000_000, outstanding=0)
    assert big.available == 10_000_000


def test_daily_interest_act365_on_changing_balances() -> None:
    # 10,000,000 for 31 days then 4,000,000 for 30 days at 2.5%:
    # (310,000,000 + 120,000,000) × 0.025 / 365 = 29,452.05… → 29,452 (切捨て).
    segments = [
        (date(2026, 5, 1), date(2026, 6, 1), 10_000_000),
        (date(2026, 6, 1), date(2026, 7, 1), 4_000_000),
    ]
    assert interest_on_balances(segments, Decimal("0.025")) == 29_452
    assert interest_on_balances(segments, Decimal("0.025"), rounding=Rounding.CEILING) == 29_453
    # Leap years keep the 365 denominator.
    leap = [(date(2028, 1, 1), date(2029, 1, 1), 3_650_000)]
    assert interest_on_balances(leap, Decimal("0.10")) == 366_000
    with pytest.raises(DomainError):
        interest_on_balances([(date(2026, 2, 1), date(2026, 1, 1), 1)], Decimal("0.1"))


def test_repayment_interest_first_then_principal_then_surplus() -> None:
    assert split_repayment(1_000_000, interest_due=20_000, principal=500_000) == (
        20_000,
        500_000,
        480_000,
    )
    assert split_repayment(10_000, interest_due=20_000, principal=500_000) == (10_000, 0, 0)


def test_eligibility_needs_a_year_of_trading_a_released_clause_and_perfection() -> None:
    on = date(2026, 6, 1)
    ok = ReceivableFacts("inv-1", date(2025, 6, 1), ClauseStatus.ABSENT, perfected=True)
    assert eligibility_problems(ok, on=on, at_drawdown=True) == []
    assert (
        eligibility_problems(
            ReceivableFacts("inv-1", date(2025, 6, 1), ClauseStatus.RELEASED, True), on=on
        )
        == []
    )
    short = ReceivableFacts("inv-2", date(2025, 6, 2), ClauseStatus.ABSENT, True)
    assert [e.code for e in eligibility_problems(short, on=on)] == ["lending.trading_history"]
    none_seen = ReceivableFacts("inv-3", None, ClauseStatus.RESTRICTED, False)
    assert [e.code for e in eligibility_problems(none_seen, on=on, at_drawdown=True)] == [
        "lending.trading_history",
        "lending.anti_assignment",
        "lending.not_perfected",
    ]
    # Before drawdown the perfection may still be pending.
    pending = ReceivableFacts("inv-4", date(2024, 1, 1), ClauseStatus.ABSENT, False)
    assert eligibility_problems(pending, on=on) == []


def test_document_set() -> None:
    assert missing_documents([]) == [
        LoanDocument.REGISTRY_EXTRACT,
        LoanDocument.FINANCIAL_STATEMENTS,
        LoanDocument.DEBTOR_LIST,
        LoanDocument.INVOICES,
        LoanDocument.PASSBOOK,
    ]
    assert missing_documents([d.value for d in LoanDocument if d.required]) == []


def test_report_deadline_is_the_10th_or_the_next_bank_business_day() -> None:
    # April 2026 → Sunday 10 May 2026 → Monday 11 May.
    assert report_deadline(date(2026, 4, 30)) == date(2026, 5, 11)
    # June 2026 → Friday 10 July 2026 (a business day) stays.
    assert report_deadline(date(2026, 6, 30)) == date(2026, 7, 10)
    # January 2028 → Thursday 10 February 2028, but 11 Feb is 建国記念の日 (no effect).
    assert report_deadline(date(2028, 1, 31)) == date(2028, 2, 10)
    # December 2025 → 10 January 2026 is a Saturday → Tuesday 13 (12 Jan is 成人の日).
    assert report_deadline(date(2025, 12, 31)) == date(2026, 1, 13)
    with pytest.raises(DomainError):
        report_deadline(date(2026, 4, 29))


def test_reminders_are_bank_business_days_before_the_deadline() -> None:
    deadline = date(2026, 5, 11)  # Monday after Golden Week
    # 3 business days before: 8, 7, then 1 May (4–6 May are holidays, 2–3 a weekend).
    assert report_reminder_dates(deadline) == [date(2026, 5, 1), date(2026, 5, 8)]


def test_loan_ledger_recipes_balance_and_settle() -> None:
    d = date(2026, 5, 1)
    cash = book.cash("0001", "001", "1234567")
    drawn = loans.loan_drawn(
        "loan:1:draw:1",
        d,
        client="C1",
        scheme="receivables_2001",
        amount=10_000_000,
        guarantee_fee=76_500,
    )
    paid = book.payout("payout:1", d, client="C1", cash_account=cash, amount=9_923_500)
    accrued = loans.interest_accrued("loan:1:interest:2026-05", d, client="C1", amount=20_000)
    received = book.deposit_received("dep:1", d, cash_account=cash, amount=10_100_000)
    repaid = loans.repayment_applied(
        "loan:1:repayment:1",
        d,
        client="C1",
        interest=20_000,
        principal=10_000_000,
        surplus=80_000,
    )
    remitted = loans.guarantee_fee_remitted(
        "loan:1:fee", d, scheme="receivables_2001", cash_account=cash, amount=76_500
    )
    entries = [drawn, paid, accrued, received, repaid, remitted]
    tb = book.trial_balance(entries)
    assert tb.balanced
    balances = book.balances(entries)
    assert balances[loans.loan_account("C1")] == 0
    assert balances[loans.interest_receivable("C1")] == 0
    assert balances[loans.INTEREST_INCOME] == -20_000
    assert balances[book.client_payable("C1")] == -80_000  # the surplus, owed back
    assert balances[loans.guarantee_fee_payable("receivables_2001")] == 0


def test_default_claims_the_coverage_share() -> None:
    entry, claim = loans.default_to_guarantor(
        "loan:1:default",
        date(2026, 9, 1),
        client="C1",
        scheme="receivables_2001",
        principal=7_777_777,
        coverage=SEED.coverage,
    )
    assert claim == 6_999_999  # 90%, 切捨て
    assert sum(leg.amount for leg in entry.legs) == 0
    assert {leg.account: leg.amount for leg in entry.legs} == {
        loans.guarantee_claim("receivables_2001"): 6_999_999,
        loans.loan_account("C1"): -6_999_999,
    }
    with pytest.raises(DomainError):
        loans.loan_drawn(
            "x", date(2026, 1, 1), client="C1", scheme="s", amount=100, guarantee_fee=100
        )


def test_the_loan_is_a_product_on_the_seam_but_not_on_purchase_pages() -> None:
    loan = spec(ProductId.RECEIVABLES_LOAN)
    assert not loan.purchase_flow
    assert "融資" in loan.label_ja
    assert loan.pricing.advance_rate == Decimal("0.90")
    assert loan.ledger.purchase is loans.loan_drawn
