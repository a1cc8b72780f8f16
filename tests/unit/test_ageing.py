"""Ageing buckets, totals per client/debtor, collection deadlines and the reminder plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.ageing import (
    BUCKETS,
    AgeingItem,
    Bucket,
    age,
    bucket_for,
    collection_deadline,
    days_past_due,
    reminder_plan,
)
from urikake.domain.errors import DomainError

AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, Bucket.NOT_DUE),
        (0, Bucket.NOT_DUE),
        (1, Bucket.DAYS_0_30),
        (30, Bucket.DAYS_0_30),
        (31, Bucket.DAYS_31_60),
        (60, Bucket.DAYS_31_60),
        (61, Bucket.DAYS_61_90),
        (90, Bucket.DAYS_61_90),
        (91, Bucket.DAYS_90_PLUS),
        (4000, Bucket.DAYS_90_PLUS),
    ],
)
def test_bucket_boundaries(days: int, bucket: Bucket) -> None:
    assert bucket_for(days) is bucket


@pytest.mark.parametrize("bad", [1.5, True, "3", None])
def test_bucket_refuses_non_int_days(bad: object) -> None:
    with pytest.raises(DomainError):
        bucket_for(bad)  # type: ignore[arg-type]


def _item(pk: int, client: str, debtor: str, amount: int, days: int) -> AgeingItem:
    return AgeingItem(pk, client, debtor, amount, AS_OF - timedelta(days=days))


def test_totals_per_client_and_debtor_are_exact_yen() -> None:
    items = [
        _item(1, "O1", "D1", 1_100_000, 30),  # 0–30
        _item(2, "O1", "D2", 333_333, 31),  # 31–60
        _item(3, "O2", "D1", 1, 61),  # 61–90
        _item(4, "O2", "D1", 999_999_999, 91),  # 90+
        _item(5, "O2", "D2", 500, -3),  # not yet due
        _item(6, "O1", "D1", 0, 100),  # nothing open: left out
    ]
    report = age(items, AS_OF)
    assert [r.key for r in report.by_client] == ["O1", "O2"]
    o1, o2 = report.by_client
    assert o1.amounts == (0, 1_100_000, 333_333, 0, 0)
    assert o1.counts == (0, 1, 1, 0, 0)
    assert o2.amounts == (500, 0, 0, 1, 999_999_999)
    assert o2.overdue_total == 1_000_000_000
    d1, d2 = report.by_debtor
    assert d1.key == "D1"
    assert d1.amounts == (0, 1_100_000, 0, 1, 999_999_999)
    assert d2.amounts == (500, 0, 333_333, 0, 0)
    assert report.total.total == 1_100_000 + 333_333 + 1 + 999_999_999 + 500
    assert report.total.count == 5
    assert report.total.amount(Bucket.DAYS_90_PLUS) == 999_999_999
    assert [b for b, _, _ in report.total.cells()] == list(BUCKETS)
    assert all(isinstance(a, int) for a in report.total.amounts)


@pytest.mark.parametrize("amount", [1.0, -1, True])
def test_age_refuses_bad_amounts(amount: object) -> None:
    with pytest.raises(DomainError):
        age([AgeingItem(1, "O1", "D1", amount, AS_OF)], AS_OF)  # type: ignore[arg-type]


def test_age_refuses_a_datetime() -> None:
    with pytest.raises(DomainError):
        age([], datetime(2026, 6, 30, 9, 0))  # type: ignore[arg-type]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["O1", "O2", "O3"]),
            st.sampled_from(["D1", "D2"]),
            st.integers(min_value=0, max_value=10**12),
            st.integers(min_value=-100, max_value=400),
        ),
        max_size=30,
    )
)
def test_rows_sum_to_the_total(rows: list[tuple[str, str, int, int]]) -> None:
    report = age([_item(i, c, d, a, n) for i, (c, d, a, n) in enumerate(rows)], AS_OF)
    assert (
        sum(r.total for r in report.by_client) == report.total.total == sum(a for *_, a, _ in rows)
    )
    assert sum(r.total for r in report.by_debtor) == report.total.total
    for index in range(len(BUCKETS)):
        assert sum(r.amounts[index] for r in report.by_client) == report.total.amounts[index]


def test_days_past_due() -> None:
    assert days_past_due(date(2026, 6, 1), date(2026, 6, 1)) == 0
    assert days_past_due(date(2026, 6, 1), date(2026, 7, 1)) == 30


def test_three_party_deadline_is_the_expected_date() -> None:
    expected = date(2026, 6, 30)
    assert collection_deadline("three_party", expected, None, forward_days=2) == expected


def test_two_party_deadline_uses_the_reported_forward_date() -> None:
    reported = date(2026, 7, 3)
    assert collection_deadline("two_party", date(2026, 6, 30), reported, forward_days=2) == reported


def test_two_party_deadline_without_a_report_adds_bank_business_days() -> None:
    # Fri 2026-07-17 + 2 bank business days: Mon 20 July is 海の日, so Tue 21 and Wed 22.
    assert collection_deadline("two_party", date(2026, 7, 17), None, forward_days=2) == date(
        2026, 7, 22
    )


def test_unknown_product_is_refused() -> None:
    with pytest.raises(DomainError) as exc:
        collection_deadline("four_party", AS_OF, None, forward_days=2)
    assert exc.value.code == "ageing.unknown_product"


def _plan(days: int, sent: int = 0, last: date | None = None, escalated: bool = False):
    return reminder_plan(
        days,
        steps=[1, 7, 14],
        sent=sent,
        last_sent_on=last,
        today=AS_OF,
        escalate_after=30,
        escalated=escalated,
    )


def test_no_reminder_before_the_first_step() -> None:
    assert _plan(0).step is None
    assert _plan(-3).step is None


def test_one_reminder_per_step() -> None:
    assert _plan(1).step == 1
    assert _plan(1, sent=1).step is None  # step 1 already sent
    assert _plan(6, sent=1).step is None
    assert _plan(7, sent=1).step == 2
    assert _plan(14, sent=2).step == 3
    assert _plan(40, sent=3).step is None  # all steps done


def test_never_twice_on_one_day() -> None:
    assert _plan(7, sent=1, last=AS_OF).step is None
    assert _plan(7, sent=1, last=AS_OF - timedelta(days=1)).step == 2


def test_missed_steps_collapse_into_one_reminder() -> None:
    plan = _plan(20, sent=0)
    assert plan.step == 3
    assert plan.steps_reached == 3


def test_escalation_once_after_the_threshold() -> None:
    assert not _plan(29, sent=3).escalate
    assert _plan(30, sent=3).escalate
    assert not _plan(45, sent=3, escalated=True).escalate
