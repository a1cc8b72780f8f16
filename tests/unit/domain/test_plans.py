"""Plan rules: amount within the plan, which plan applies, effective-dated versions, sane
terms (urikake.domain.plans)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.plans import (
    PlanLimitError,
    PlanTerms,
    Segment,
    check_amount,
    choose_plan,
    validate_terms,
    version_on,
)

QUICK = PlanTerms(
    code="quick",
    name="クイックプラン",
    segment=Segment.CORPORATION,
    product="two_party",
    min_amount=10_000,
    max_amount=1_000_000,
    fee_min=Decimal("0.038"),
    fee_max=Decimal("0.12"),
    advance_rate=Decimal("0.8"),
    speed="1営業日",
)
PREMIUM = dataclasses.replace(
    QUICK,
    code="premium",
    name="プレミアムプラン",
    min_amount=100_000,
    max_amount=50_000_000,
    fee_min=Decimal("0.018"),
)
SOLE = dataclasses.replace(
    QUICK,
    code="sole",
    name="個人事業主プラン",
    segment=Segment.SOLE_PROPRIETOR,
    min_amount=100_000,
    max_amount=5_000_000,
    fee_max=Decimal("0.098"),
)
ALL = [QUICK, PREMIUM, SOLE]


def test_amount_within_the_plan_passes_at_both_bounds() -> None:
    check_amount(QUICK, 10_000)
    check_amount(QUICK, 1_000_000)


def test_amount_above_the_maximum_names_the_limit() -> None:
    with pytest.raises(PlanLimitError) as exc:
        check_amount(QUICK, 1_000_001, field="invoice_ids")
    err = exc.value
    assert (err.code, err.field, err.limit, err.bound) == (
        "plan.above_max",
        "invoice_ids",
        1_000_000,
        "max",
    )
    assert "¥1,000,000" in err.message
    assert "クイックプラン" in err.message
    assert err.as_dict()["limit"] == 1_000_000


def test_amount_below_the_minimum_names_the_limit() -> None:
    with pytest.raises(PlanLimitError) as exc:
        check_amount(SOLE, 99_999)
    assert (exc.value.limit, exc.value.bound) == (100_000, "min")


def test_an_inactive_plan_takes_nothing() -> None:
    with pytest.raises(DomainError, match="現在お申込みいただけません"):
        check_amount(dataclasses.replace(QUICK, active=False), 500_000)


def test_the_most_specific_fitting_plan_applies() -> None:
    assert choose_plan(ALL, segment=Segment.CORPORATION, product="two_party", amount=500_000) == (
        QUICK
    )
    assert (
        choose_plan(ALL, segment=Segment.CORPORATION, product="two_party", amount=2_000_000)
        == PREMIUM
    )
    assert (
        choose_plan(ALL, segment=Segment.SOLE_PROPRIETOR, product="two_party", amount=200_000)
        == SOLE
    )


def test_no_plan_for_the_segment_and_product_means_none() -> None:
    assert choose_plan(ALL, segment=Segment.CORPORATION, product="three_party", amount=1) is None


def test_above_every_plan_is_refused_with_the_highest_maximum() -> None:
    with pytest.raises(PlanLimitError) as exc:
        choose_plan(ALL, segment=Segment.CORPORATION, product="two_party", amount=99_999_999_999)
    assert exc.value.limit == 50_000_000


def test_below_every_plan_and_in_a_gap_are_refused() -> None:
    with pytest.raises(PlanLimitError) as low:
        choose_plan(ALL, segment=Segment.SOLE_PROPRIETOR, product="two_party", amount=5_000)
    assert (low.value.limit, low.value.bound) == (100_000, "min")
    gapped = [QUICK, dataclasses.replace(PREMIUM, min_amount=2_000_000)]
    with pytest.raises(PlanLimitError) as gap:
        choose_plan(gapped, segment=Segment.CORPORATION, product="two_party", amount=1_500_000)
    assert (gap.value.code, gap.value.limit) == ("plan.gap", 2_000_000)


def test_inactive_plans_are_not_chosen() -> None:
    plans = [dataclasses.replace(QUICK, active=False), PREMIUM]
    assert (
        choose_plan(plans, segment=Segment.CORPORATION, product="two_party", amount=500_000)
        == PREMIUM
    )


def test_the_version_in_force_is_the_latest_effective_one() -> None:
    v1 = dataclasses.replace(QUICK, effective_from=date(2026, 1, 1), version_id=1)
    v2 = dataclasses.replace(
        QUICK, max_amount=800_000, effective_from=date(2026, 6, 1), version_id=2
    )
    v3 = dataclasses.replace(
        QUICK, max_amount=700_000, effective_from=date(2026, 6, 1), version_id=3
    )
    assert version_on([v1, v2, v3], date(2025, 12, 31)) is None
    assert version_on([v1, v2, v3], date(2026, 5, 31)) == v1
    assert version_on([v3, v2, v1], date(2026, 6, 1)) == v3  # same day: the later version


def test_sane_terms_pass_and_bad_ones_are_all_reported() -> None:
    assert validate_terms(QUICK) == []
    bad = dataclasses.replace(
        QUICK,
        name=" ",
        min_amount=0,
        max_amount=10**20,
        fee_min=Decimal("0.2"),
        fee_max=Decimal("0.1"),
        advance_rate=Decimal("1.5"),
        speed="",
    )
    fields = {p.field for p in validate_terms(bad)}
    assert fields == {"name", "min_amount", "max_amount", "fee_max", "advance_rate", "speed"}
