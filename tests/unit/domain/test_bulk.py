"""Bulk factoring rules (seed 004 III.4 / III.5): the discount for the days to the due date at
the buyer's risk rate, its APR-equivalent, the monthly fee, the buyer's CSV and the ledger
recipes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import bulk
from urikake.domain import ledger_bulk as book
from urikake.domain.errors import DomainError
from urikake.domain.ledger import CHART, trial_balance

PAID = date(2026, 12, 7)  # a Monday


def test_discount_is_face_times_rate_times_days_over_365_truncated() -> None:
    q = bulk.quote(1_000_000, Decimal("0.03"), paid_on=PAID, due_on=date(2027, 1, 29))
    assert q.days == 53
    # 1,000,000 × 3% × 53 / 365 = 4,356.16… → 4,356 (円未満切捨て)
    assert q.discount == 4_356
    assert q.net == 995_644
    # APR on the cash received: 4,356 / 995,644 × 365 / 53 = 3.0130…% → 3.01%
    assert q.apr == Decimal("0.0301")


def test_apr_is_above_the_rate_because_the_discount_is_taken_up_front() -> None:
    q = bulk.quote(10_000_000, Decimal("0.12"), paid_on=PAID, due_on=date(2027, 6, 4))
    assert q.apr > Decimal("0.12")


def test_one_day_early_and_rounding_down_to_zero() -> None:
    q = bulk.quote(1_000, Decimal("0.01"), paid_on=PAID, due_on=date(2026, 12, 8))
    assert (q.days, q.discount, q.net, q.apr) == (1, 0, 1_000, Decimal("0"))


@pytest.mark.parametrize(
    ("face", "rate", "due", "code"),
    [
        (1_000, Decimal("0.03"), PAID, "bulk.too_late"),
        (1_000, Decimal("0.03"), date(2026, 12, 1), "bulk.too_late"),
        (0, Decimal("0.03"), date(2027, 1, 4), "bulk.zero_face"),
        (1_000, Decimal("0.31"), date(2027, 1, 4), "bulk.rate_range"),
        (1_000, Decimal("-0.01"), date(2027, 1, 4), "bulk.rate_range"),
        (bulk.MAX_FACE_YEN + 1, Decimal("0.03"), date(2027, 1, 4), "bulk.amount_range"),
    ],
)
def test_quote_refuses(face: int, rate: Decimal, due: date, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        bulk.quote(face, rate, paid_on=PAID, due_on=due)
    assert exc.value.code == code


def test_quote_refuses_a_float_rate() -> None:
    with pytest.raises(DomainError):
        bulk.quote(1_000, 0.03, paid_on=PAID, due_on=date(2027, 1, 4))  # type: ignore[arg-type]


def test_monthly_fee_is_base_plus_per_item() -> None:
    terms = bulk.FeeTerms(base_fee=30_000, per_item_fee=100)
    assert bulk.monthly_fee(terms, 0) == 30_000
    assert bulk.monthly_fee(terms, 100) == 40_000
    with pytest.raises(DomainError):
        bulk.monthly_fee(terms, -1)
    with pytest.raises(DomainError):
        bulk.FeeTerms(base_fee=-1, per_item_fee=0)


def _parse(text: str, *, known: frozenset[tuple[int, str]] = frozenset()):
    return bulk.parse_payables_csv(
        text.encode("utf-8"),
        today=PAID,
        resolve_supplier={"S1": 1, "9234567890123": 2}.get,
        known_invoices=lambda s, n: (s, n) in known,
    )


def test_csv_reads_codes_numbers_and_japanese_dates() -> None:
    rows, errors = _parse(
        "仕入先,請求書番号,金額,支払期日\n"
        'S1,A-1,"1,000",2027/01/29\n'
        "９２３４５６７８９０１２３,A-2,２０００,令和9年1月29日\n"
    )
    assert errors == []
    assert [(r.supplier_id, r.invoice_number, r.amount, r.due_date) for r in rows] == [
        (1, "A-1", 1_000, date(2027, 1, 29)),
        (2, "A-2", 2_000, date(2027, 1, 29)),
    ]


def test_csv_errors_name_the_row_and_column() -> None:
    rows, errors = _parse(
        "仕入先,請求書番号,金額,支払期日\n"
        "S2,A-1,1000,2027/01/29\n"  # unknown supplier
        "S1,,1000,2027/01/29\n"  # no invoice number
        "S1,A-3,abc,2027/01/29\n"  # unreadable amount
        "S1,A-4,1000,2027/01/30\n"  # a Saturday
        "S1,A-5,1000,2028/06/30\n"  # more than a year ahead
        "S1,A-6,1000,2026/12/07\n"  # today
        "S1,OLD,1000,2027/01/29\n",  # uploaded before
        known=frozenset({(1, "OLD")}),
    )
    assert rows == []
    assert [(e.line, e.field, e.code) for e in errors] == [
        (2, "仕入先", "bulk.supplier_unknown"),
        (3, "請求書番号", "bulk.invoice_missing"),
        (4, "金額", "csv.bad_amount"),
        (5, "支払期日", "bulk.due_holiday"),
        (6, "支払期日", "bulk.due_far"),
        (7, "支払期日", "bulk.due_past"),
        (8, "請求書番号", "bulk.duplicate"),
    ]
    assert "翌営業日は 2027-02-01" in errors[3].message


def test_csv_missing_column_and_empty_file() -> None:
    _, errors = _parse("仕入先,金額,支払期日\nS1,1,2027/01/29\n")
    assert [e.code for e in errors] == ["bulk.csv_column"]
    _, errors = _parse("")
    assert [e.code for e in errors] == ["bulk.csv_empty"]


def test_csv_reads_shift_jis() -> None:
    data = "仕入先,請求書番号,金額,支払期日\nS1,請-1,1000,2027/01/29\n".encode("cp932")
    rows, errors = bulk.parse_payables_csv(
        data, today=PAID, resolve_supplier={"S1": 1}.get, known_invoices=lambda s, n: False
    )
    assert errors == []
    assert rows[0].invoice_number == "請-1"


def test_ledger_recipes_balance_and_use_the_chart() -> None:
    entries = [
        book.early_purchase("e1", PAID, buyer="O1", supplier="O2", face=100_000, discount=500),
        book.settlement_applied(
            "s1", PAID, buyer="O1", bought=100_000, to_suppliers={"O3": 50_000, "O4": 25_000}
        ),
        book.fee_invoiced("f1", PAID, buyer="O1", amount=40_000),
        book.fee_paid("f2", PAID, buyer="O1", amount=40_000),
    ]
    for e in entries:
        assert sum(leg.amount for leg in e.legs) == 0
        assert all(CHART.knows(leg.account) for leg in e.legs)
    assert trial_balance(entries).balanced
    settle = entries[1]
    assert {leg.account: leg.amount for leg in settle.legs} == {
        "suspense": 175_000,
        "bulk_receivable:O1": -100_000,
        "payable:O3": -50_000,
        "payable:O4": -25_000,
    }
    with pytest.raises(DomainError):
        book.early_purchase("e2", PAID, buyer="O1", supplier="O2", face=100, discount=100)
    with pytest.raises(DomainError):
        book.settlement_applied("s2", PAID, buyer="O1", bought=0, to_suppliers={})
