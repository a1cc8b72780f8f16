"""The product registry: one spec per product, answering what the code used to branch on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import ledger as book
from urikake.domain.errors import DomainError
from urikake.domain.perfection import Method
from urikake.domain.products import (
    Collector,
    DebtorKind,
    DocumentKind,
    ProductId,
    all_specs,
    choices,
    spec,
)


def test_every_identifier_has_one_spec_and_the_stored_values_stay() -> None:
    assert [s.id for s in all_specs()] == list(ProductId)
    assert {p.value for p in ProductId} == {
        "two_party",
        "three_party",
        "receivables_loan",
        "guarantee_factoring",
        "bulk_factoring",
    }
    assert spec("two_party") is spec(ProductId.TWO_PARTY)
    # The model field choices are generated from the registry (labels as migrated): the
    # purchase-flow products only (a loan has its own app and models).
    assert choices() == [
        ("two_party", "2社間ファクタリング"),
        ("three_party", "3社間ファクタリング"),
    ]


def test_an_unknown_product_is_a_clear_error() -> None:
    with pytest.raises(DomainError) as exc:
        spec("four_party")
    assert exc.value.code == "product.unknown"
    assert exc.value.field == "product"


def test_who_collects_and_the_forwarding_deadline() -> None:
    two, three = spec(ProductId.TWO_PARTY), spec(ProductId.THREE_PARTY)
    assert two.collector is Collector.CLIENT
    assert two.client_forwards
    assert three.collector is Collector.PLATFORM
    assert not three.client_forwards
    friday = date(2026, 7, 17)
    # Three-party: due on the expected day; two-party: two bank days later (Mon 20 is 海の日).
    assert three.collection_deadline(friday, None, forward_days=2) == friday
    assert two.collection_deadline(friday, None, forward_days=2) == date(2026, 7, 22)
    assert two.collection_deadline(friday, date(2026, 7, 1), forward_days=2) == date(2026, 7, 1)


def test_pricing_band_advance_and_holdback() -> None:
    two, three = spec(ProductId.TWO_PARTY), spec(ProductId.THREE_PARTY)
    assert (three.pricing.min_rate, three.pricing.max_rate) == (Decimal("0.02"), Decimal("0.10"))
    assert (two.pricing.min_rate, two.pricing.max_rate) == (Decimal("0.05"), Decimal("0.20"))
    # 掛目 95% / 80%, 円未満切捨て; the holdback is the rest.
    assert three.advance(1_000_001) == 950_000
    assert three.holdback(1_000_001) == 50_001
    assert two.advance(1_000_001) == 800_000
    assert two.holdback(1_000_001) == 200_001


def test_perfection_defaults_and_contract_documents() -> None:
    two, three = spec(ProductId.TWO_PARTY), spec(ProductId.THREE_PARTY)
    assert two.perfection.method is Method.REGISTRATION
    assert three.perfection.method is Method.NOTICE
    agreement, notice, consent = DocumentKind.AGREEMENT, DocumentKind.NOTICE, DocumentKind.CONSENT
    assert two.documents(Method.REGISTRATION) == (agreement,)
    assert two.documents(Method.CONSENT) == (agreement, consent)
    # 3社間 always tells the debtor where to pay.
    assert three.documents(Method.REGISTRATION) == (agreement, notice)
    assert three.documents(Method.CONSENT) == (agreement, notice, consent)


def test_eligibility_names_the_problem() -> None:
    rule = spec(ProductId.THREE_PARTY).eligibility
    assert rule.problems(1_000_000, DebtorKind.CORPORATION) == []
    assert [p.code for p in rule.problems(0, DebtorKind.CORPORATION)] == ["product.min_face"]


def test_the_specs_ledger_recipes_are_the_domain_recipes() -> None:
    recipes = spec(ProductId.TWO_PARTY).ledger
    entry = recipes.purchase(
        "purchase:1",
        date(2026, 7, 1),
        client="O1",
        debtor="D2",
        face=1000,
        fee=50,
        reserve_amount=200,
    )
    assert book.balances([entry]) == {
        "receivable:O1:D2": 1000,
        "fee_income": -50,
        "reserve:O1": -200,
        "payable:O1": -750,
    }
