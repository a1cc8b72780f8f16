"""Perfection rules: may a deal be funded, and the 債権譲渡登記 filing data."""

from __future__ import annotations

from datetime import date

import pytest
from defusedxml import ElementTree

from urikake.domain.errors import DomainError
from urikake.domain.perfection import (
    FilingClaim,
    FilingParty,
    Method,
    PerfectionPolicy,
    Stage,
    check_can_fund,
    registration_fee_yen,
    registration_filing_xml,
)
from urikake.domain.products import ProductId, spec


def test_three_party_waits_for_the_notice_to_arrive() -> None:
    policy = spec(ProductId.THREE_PARTY).perfection
    assert policy.method is Method.NOTICE
    for stage in (Stage.PENDING, Stage.NOTICE_SENT):
        with pytest.raises(DomainError) as exc:
            check_can_fund(policy, stage)
        assert exc.value.code == "perfection.required"
    assert check_can_fund(policy, Stage.PERFECTED) is False  # not "early"


def test_two_party_early_funding_needs_the_filing_and_is_reported() -> None:
    policy = PerfectionPolicy(Method.REGISTRATION, fund_before_perfection=True)
    with pytest.raises(DomainError) as exc:
        check_can_fund(policy, Stage.PENDING)
    assert exc.value.code == "perfection.not_filed"
    assert check_can_fund(policy, Stage.FILED) is True
    assert check_can_fund(policy, Stage.EXTENDED) is False
    with pytest.raises(DomainError):
        check_can_fund(policy, Stage.CANCELLED)


@pytest.mark.parametrize(
    ("claims", "fee"), [(1, 7_500), (5_000, 7_500), (5_001, 15_000), (100_000, 15_000)]
)
def test_registration_fee(claims: int, fee: int) -> None:
    assert registration_fee_yen(claims) == fee


@pytest.mark.parametrize("claims", [0, 100_001])
def test_registration_fee_refuses_impossible_counts(claims: int) -> None:
    with pytest.raises(DomainError):
        registration_fee_yen(claims)


def _claim(n: int, amount: int = 1_100_000) -> FilingClaim:
    return FilingClaim(
        n,
        FilingParty("株式会社ヤマダ&商事", "東京都", "1180301018771"),
        f"INV-{n}",
        date(2026, 11, 1),
        date(2027, 1, 31),
        amount,
    )


def test_filing_xml_is_deterministic_escaped_and_complete() -> None:
    kwargs = {
        "assignor": FilingParty("株式会社売主", "大阪府", ""),
        "assignee": FilingParty("株式会社ウリカケ", "東京都", "7010001234567"),
        "claims": [_claim(1), _claim(2, 550_000)],
        "cause_date": date(2026, 11, 24),
        "duration_years": 5,
    }
    data = registration_filing_xml(**kwargs)
    assert data == registration_filing_xml(**kwargs)
    root = ElementTree.fromstring(data)
    assert root.findtext("債権数") == "2"
    assert root.findtext("債権の総額") == "1650000"
    assert root.findtext("登録免許税") == "7500"
    claims = root.find("債権個別事項")
    assert claims is not None
    assert [c.findtext("債務者") for c in claims] == ["株式会社ヤマダ&商事"] * 2


def test_filing_refuses_a_duration_beyond_the_statutory_limit() -> None:
    with pytest.raises(DomainError) as exc:
        registration_filing_xml(
            assignor=FilingParty("A", "", ""),
            assignee=FilingParty("B", "", ""),
            claims=[_claim(1)],
            cause_date=date(2026, 11, 24),
            duration_years=51,
        )
    assert exc.value.field == "duration_years"
