"""A payout queued after the bank's cut-off asks for the next bank business day.

The last CI run failed because a loan draw made at 14:30 JST queued its payout for *today*, a
date no batch could carry any more. Every product queues through ``payout_queue_date``; these
tests pin the clock so they give the same answer at any hour of the day.
"""

from __future__ import annotations

import ast
import pathlib
from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from urikake.treasury.policy import next_value_date, payout_queue_date

JST = ZoneInfo("Asia/Tokyo")
SRC = pathlib.Path(__file__).resolve().parents[3] / "src" / "urikake"


def _at(moment: datetime):
    return mock.patch.object(timezone, "now", return_value=moment)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Monday 2026-12-07, a bank business day; the cut-off is 14:00.
        (datetime(2026, 12, 7, 9, 0, tzinfo=JST), date(2026, 12, 7)),
        (datetime(2026, 12, 7, 13, 59, tzinfo=JST), date(2026, 12, 7)),
        (datetime(2026, 12, 7, 14, 0, tzinfo=JST), date(2026, 12, 8)),
        (datetime(2026, 12, 7, 23, 30, tzinfo=JST), date(2026, 12, 8)),
        # Friday after the cut-off: the next business day is Monday.
        (datetime(2026, 12, 11, 15, 0, tzinfo=JST), date(2026, 12, 14)),
        # Saturday morning: no batch today at all.
        (datetime(2026, 12, 12, 9, 0, tzinfo=JST), date(2026, 12, 14)),
        # 大晦日 (a bank holiday) and 三が日: the first business day of 2027 is 4 January.
        (datetime(2026, 12, 31, 10, 0, tzinfo=JST), date(2027, 1, 4)),
    ],
)
def test_queue_date_follows_the_cut_off_and_the_bank_calendar(moment, expected, settings):
    settings.TREASURY_BANK_CUTOFF = "14:00"
    with _at(moment):
        assert payout_queue_date() == expected
        assert payout_queue_date() == next_value_date()


def test_a_later_requested_day_is_kept_and_an_earlier_one_moved_up(settings):
    settings.TREASURY_BANK_CUTOFF = "14:00"
    with _at(datetime(2026, 12, 7, 15, 0, tzinfo=JST)):
        assert payout_queue_date(date(2026, 12, 10)) == date(2026, 12, 10)
        assert payout_queue_date(date(2026, 12, 7)) == date(2026, 12, 8)
        assert payout_queue_date(date(2026, 12, 1)) == date(2026, 12, 8)


def _payout_creations() -> list[tuple[str, int, str]]:
    """Every ``Payout.objects.create(...)`` in the code, with what it passes as requested_for."""
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "create" or ast.unparse(node.func.value) != "Payout.objects":
                continue
            value = next((k.value for k in node.keywords if k.arg == "requested_for"), None)
            found.append(
                (str(path.relative_to(SRC)), node.lineno, ast.unparse(value) if value else "")
            )
    return found


def test_every_product_queues_its_payouts_through_the_one_rule():
    creations = _payout_creations()
    # advance, reserve, retry, loan draw, loan refund, guarantor, guarantee, bulk (two).
    assert len(creations) >= 9, creations
    wrong = [c for c in creations if not c[2].startswith("payout_queue_date(")]
    assert wrong == []
