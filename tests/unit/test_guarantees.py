"""The rules of guarantee factoring (保証ファクタリング, seed 004 III.3) and its ledger recipes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import guarantees as rules
from urikake.domain import ledger as book
from urikake.domain import ledger_guarantees as gbook
from urikake.domain.errors import DomainError
from urikake.domain.lending import CreditGrade
from urikake.domain.products import ProductId, spec

START = date(2026, 1, 1)
END = date(2026, 12, 31)  # 365 days


def test_premium_is_amount_times_the_grade_rate_truncated() -> None:
    assert rules.premium_rate(CreditGrade.HIGH) == Decimal("0.010")
    assert rules.premium_rate(CreditGrade.NORMAL) == Decimal("0.020")
    assert rules.premium_rate(CreditGrade.LOW) == Decimal("0.040")
    assert rules.premium(1_000_000, Decimal("0.02")) == 20_000
    assert rules.premium(123_457, Decimal("0.02")) == 2_469  # 2,469.14 → 2,469 (切捨て)
    assert rules.premium(99, Decimal("0.015")) == 1  # 1.485 → 1


def test_decided_rate_must_lie_in_the_band() -> None:
    assert rules.premium_rate(CreditGrade.LOW, Decimal("0.05")) == Decimal("0.05")
    with pytest.raises(DomainError, match="保証料率"):
        rules.premium_rate(CreditGrade.LOW, Decimal("0.09"))
    with pytest.raises(DomainError):
        rules.premium_rate(CreditGrade.LOW, 0.05)  # type: ignore[arg-type]


def test_guaranteed_amount_at_most_face() -> None:
    assert rules.check_guaranteed_amount(1_000, 1_000) == 1_000
    with pytest.raises(DomainError, match="額面"):
        rules.check_guaranteed_amount(1_001, 1_000)
    with pytest.raises(DomainError):
        rules.check_guaranteed_amount(0, 1_000)


def test_term_is_one_year_at_most() -> None:
    assert rules.check_term(START, END) == 365
    assert rules.check_term(START, START) == 1
    with pytest.raises(DomainError, match="1年以内"):
        rules.check_term(START, date(2027, 1, 2))
    with pytest.raises(DomainError, match="開始日以降"):
        rules.check_term(START, date(2025, 12, 31))


def test_premium_is_earned_evenly_over_the_term() -> None:
    assert rules.earned_premium(36_500, START, END, date(2025, 12, 31)) == 0
    assert rules.earned_premium(36_500, START, END, START) == 100
    assert rules.earned_premium(36_500, START, END, date(2026, 1, 10)) == 1_000
    assert rules.earned_premium(10_000, START, END, date(2026, 1, 2)) == 54  # 54.79 → 54
    assert rules.earned_premium(36_500, START, END, END) == 36_500
    assert rules.earned_premium(36_500, START, END, date(2027, 3, 1)) == 36_500


def test_debtor_limit_error_names_every_number() -> None:
    exposure = rules.Exposure({"positions": 2_000_000, "guarantees": 1_000_000})
    assert exposure.total == 3_000_000
    assert rules.check_debtor_limit(exposure, 1_000_000, 5_000_000, debtor_name="株式会社A") == (
        1_000_000
    )
    with pytest.raises(DomainError) as caught:
        rules.check_debtor_limit(exposure, 2_500_000, 5_000_000, debtor_name="株式会社A")
    message = caught.value.message
    for number in ("5,000,000円", "3,000,000円", "2,500,000円", "5,500,000円", "500,000円"):
        assert number in message
    assert "株式会社A" in message


def test_claim_waits_and_pays_within_coverage() -> None:
    assert rules.claim_payable_from(date(2026, 3, 1), 30) == date(2026, 3, 31)
    assert rules.claim_payable_from(date(2026, 3, 1), 0) == date(2026, 3, 1)
    with pytest.raises(DomainError):
        rules.claim_payable_from(date(2026, 3, 1), -1)
    paid = rules.claim_payment(1_100_000, coverage_left=1_000_000)
    assert (paid.amount, paid.uncovered) == (1_000_000, 100_000)
    paid = rules.claim_payment(500_000, coverage_left=1_000_000, coverage_ratio=Decimal("0.8"))
    assert (paid.amount, paid.uncovered) == (400_000, 100_000)
    paid = rules.claim_payment(333_333, coverage_left=1_000_000, coverage_ratio=Decimal("0.9"))
    assert paid.amount == 299_999  # 299,999.7 → 299,999 (切捨て)
    with pytest.raises(DomainError, match="使い切られて"):
        rules.claim_payment(1, coverage_left=0)


def test_evidence_is_read_from_its_bytes() -> None:
    assert rules.evidence_type(b"%PDF-1.7 ...") == "application/pdf"
    assert rules.evidence_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert rules.evidence_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    with pytest.raises(DomainError, match="PDF・PNG・JPEG"):
        rules.evidence_type(b"<html>%PDF-")
    with pytest.raises(DomainError, match="空"):
        rules.evidence_type(b"")
    with pytest.raises(DomainError, match="10MB"):
        rules.evidence_type(b"%PDF-" + b"0" * rules.MAX_EVIDENCE_BYTES)


def test_the_product_is_on_the_seam_without_the_purchase_flow() -> None:
    product = spec(ProductId.GUARANTEE)
    assert product.id.value == "guarantee_factoring"
    assert product.purchase_flow is False
    assert product.client_forwards  # the client keeps collecting
    assert product.label_ja == "保証ファクタリング"


def test_the_whole_life_balances_and_nets_to_the_premium_less_the_loss() -> None:
    day = date(2026, 1, 1)
    cash = book.cash("0001", "001", "1234567")
    entries = [
        gbook.premium_charged("g:1:premium", day, client="O1", amount=20_000),
        gbook.guarantee_issued("g:1:issue", day, amount=1_000_000),
        gbook.premium_paid("g:1:paid", day, client="O1", cash_account=cash, amount=20_000),
        gbook.premium_earned("g:1:earned", day, amount=20_000),
        gbook.claim_paid("g:1:claim", day, client="O1", amount=1_000_000),
        gbook.contingent_released("g:1:release", day, amount=1_000_000),
        gbook.recovery_received("g:1:rec", day, client="O1", cash_account=cash, amount=300_000),
        *gbook.loss_entries("c1", day, client="O1", residual=700_000)[0],
    ]
    balances = book.balances(entries)
    assert all(sum(leg.amount for leg in e.legs) == 0 for e in entries)
    assert balances.get(gbook.MEMO, 0) == 0
    assert balances.get(gbook.MEMO_ASSET, 0) == 0
    assert balances.get(gbook.subrogated_receivable("O1"), 0) == 0
    assert balances[gbook.PREMIUM_INCOME] == -20_000
    assert balances["write_off"] == 700_000
    assert balances[book.client_payable("O1")] == -1_000_000  # treasury's payout settles it
    assert book.trial_balance(entries).balanced
    for entry in entries:
        for leg in entry.legs:
            assert book.CHART.knows(leg.account), leg.account


def test_recipes_refuse_bad_amounts() -> None:
    with pytest.raises(DomainError):
        gbook.premium_charged("x", START, client="O1", amount=0)
    with pytest.raises(DomainError):
        gbook.guarantee_issued("x", START, amount=1.5)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        gbook.claim_paid("x", START, client="O:1", amount=1)
