from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import ledger
from urikake.domain.errors import DomainError
from urikake.domain.securitization.eligibility import (
    Candidate,
    dilution_rate,
    dilution_reserve,
    select,
)

CUT = date(2026, 12, 1)


def _c(pid: int, debtor: str, amount: int, **kw) -> Candidate:
    base = {
        "position_id": pid,
        "debtor": debtor,
        "product": "three_party",
        "residual": amount,
        "due_date": date(2027, 1, 15),
        "open": True,
        "perfected": True,
        "clause_unreleased": False,
        "grade": "B",
    }
    base.update(kw)
    return Candidate(**base)


def test_each_rule_excludes_with_a_reason():
    cands = [
        _c(1, "D1", 100),
        _c(2, "D2", 100, due_date=date(2026, 11, 30)),
        _c(3, "D3", 100, perfected=False),
        _c(4, "D4", 100, clause_unreleased=True),
        _c(5, "D5", 100, product="two_party"),
        _c(6, "D6", 0),
    ]
    s = select(
        cands,
        cut_off=CUT,
        allowed_products=frozenset({"three_party"}),
        method="specific",
        concentration_limit=Decimal(1),
    )
    assert [i.position_id for i in s.included] == [1]
    reasons = dict(s.excluded)
    assert "延滞" in reasons[2]
    assert "対抗要件" in reasons[3]
    assert "譲渡禁止" in reasons[4]
    assert "対象外" in reasons[5]
    assert "残高" in reasons[6]
    assert s.included[0].months == 2
    assert s.included[0].pd == 0.01


def test_concentration_haircut_caps_each_debtor_after_the_cut():
    cands = [_c(1, "A", 400), _c(2, "A", 200), _c(3, "B", 200), _c(4, "C", 100), _c(5, "D", 100)]
    s = select(
        cands,
        cut_off=CUT,
        allowed_products=frozenset({"three_party"}),
        method="pool",
        concentration_limit=Decimal("0.25"),
    )
    by_debtor: dict[str, int] = {}
    for i in s.included:
        by_debtor[i.debtor] = by_debtor.get(i.debtor, 0) + i.amount
    assert s.haircuts == {"A": 500, "B": 100}
    assert by_debtor == {"A": 100, "B": 100, "C": 100, "D": 100}
    assert max(by_debtor.values()) <= Decimal("0.25") * s.balance
    # the haircut is spread over A's receivables in proportion and adds up exactly
    assert sorted(i.haircut for i in s.included if i.debtor == "A") == [167, 333]
    specific = select(
        cands,
        cut_off=CUT,
        allowed_products=frozenset({"three_party"}),
        method="specific",
        concentration_limit=Decimal("0.25"),
    )
    assert specific.haircuts == {}
    assert specific.balance == 1000


def test_bad_limits_and_methods_are_refused():
    with pytest.raises(DomainError):
        select(
            [],
            cut_off=CUT,
            allowed_products=frozenset(),
            method="x",
            concentration_limit=Decimal("0.2"),
        )
    with pytest.raises(DomainError):
        select(
            [],
            cut_off=CUT,
            allowed_products=frozenset(),
            method="pool",
            concentration_limit=Decimal(0),
        )


def test_dilution_reserve_rounds_up():
    rate = dilution_rate(1_000_000, 1_320)
    assert rate == Decimal("0.00132")
    assert dilution_reserve(1_000_001, rate) == 2641  # 2640.00264 → 切上げ
    assert dilution_rate(0, 0) == 0


def test_true_sale_recipe_takes_the_receivables_off_the_books():
    entry = ledger.true_sale(
        "securitization:P1:sold",
        date(2026, 12, 1),
        pool="P1",
        receivables=[("O1", "D1", 600), ("O1", "D1", 400), ("O2", "D9", 1000)],
        retained=400,
    )
    legs = {leg.account: leg.amount for leg in entry.legs}
    assert legs == {
        "spv_receivable:P1": 1600,
        "retained_interest:P1": 400,
        "receivable:O1:D1": -1000,
        "receivable:O2:D9": -1000,
    }
    with pytest.raises(DomainError):
        ledger.true_sale(
            "x", date(2026, 12, 1), pool="P1", receivables=[("O", "D", 10)], retained=11
        )
    got = ledger.spv_collection(
        "c",
        date(2026, 12, 2),
        pool="P1",
        cash_account=ledger.cash("0001", "001", "1234567"),
        amount=500,
    )
    paid = ledger.spv_remittance(
        "r",
        date(2026, 12, 3),
        pool="P1",
        cash_account=ledger.cash("0001", "001", "1234567"),
        amount=500,
    )
    assert ledger.balances([entry, got, paid])["spv_payable:P1"] == 0


def test_too_few_debtors_for_the_limit_are_evened_out_not_emptied():
    cands = [_c(1, "A", 500), _c(2, "B", 300), _c(3, "C", 200)]
    s = select(
        cands,
        cut_off=CUT,
        allowed_products=frozenset({"three_party"}),
        method="pool",
        concentration_limit=Decimal("0.2"),
    )
    assert s.balance == 600
    assert {i.debtor: i.amount for i in s.included} == {"A": 200, "B": 200, "C": 200}
