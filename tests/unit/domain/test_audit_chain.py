"""The audit chain rules, without a database."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.audit_chain import (
    GENESIS_HASH,
    ChainEntry,
    canonical_json,
    compute_hash,
    entry_hash,
    to_json_safe,
    verify_chain,
)

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


def make_chain(n: int) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "created_at": T0 + dt.timedelta(seconds=seq),
            "actor": "system:test",
            "action": "test.event",
            "object_type": "thing",
            "object_id": str(seq),
            "payload": {"n": seq, "名前": "ヤマダ"},
            "prev_hash": prev,
        }
        digest = compute_hash(**fields)  # type: ignore[arg-type]
        entries.append(ChainEntry(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    return entries


def test_intact_chain_verifies() -> None:
    report = verify_chain(make_chain(10))
    assert report.ok
    assert report.checked == 10
    assert report.head_seq == 10


def test_empty_chain_is_ok() -> None:
    report = verify_chain([])
    assert report.ok
    assert report.head_hash == GENESIS_HASH


@given(n=st.integers(min_value=2, max_value=12), data=st.data())
@settings(max_examples=60, deadline=None)
def test_any_single_modification_is_found_at_that_record(n: int, data: st.DataObject) -> None:
    chain = make_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    field = data.draw(st.sampled_from(["actor", "action", "object_id", "payload", "created_at"]))
    value: object = {
        "actor": "user:999",
        "action": "test.forged",
        "object_id": "x",
        "payload": {"n": -1},
        "created_at": T0 - dt.timedelta(days=1),
    }[field]
    chain[i] = dataclasses.replace(chain[i], **{field: value})
    report = verify_chain(chain)
    assert not report.ok
    assert report.first_broken_seq == i + 1


@given(n=st.integers(min_value=3, max_value=12), data=st.data())
@settings(max_examples=60, deadline=None)
def test_any_deletion_or_swap_is_found(n: int, data: st.DataObject) -> None:
    chain = make_chain(n)
    i = data.draw(st.integers(min_value=0, max_value=n - 2))
    deleted = chain[:i] + chain[i + 1 :]
    assert not verify_chain(deleted).ok
    swapped = chain.copy()
    swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
    report = verify_chain(swapped)
    assert not report.ok
    assert report.first_broken_seq == i + 1


def test_hash_covers_every_field() -> None:
    entry = make_chain(1)[0]
    assert entry_hash(entry) == entry.hash
    for field, value in [("seq", 2), ("prev_hash", "1" * 64), ("object_type", "other")]:
        assert entry_hash(dataclasses.replace(entry, **{field: value})) != entry.hash


def test_canonical_json_ignores_key_order_and_keeps_japanese() -> None:
    assert canonical_json({"b": 1, "a": "売掛"}) == canonical_json({"a": "売掛", "b": 1})
    assert "売掛" in canonical_json({"a": "売掛"})


def test_json_safe_normalises_types() -> None:
    u = uuid.uuid4()
    assert to_json_safe(
        {"d": Decimal("0.05"), "day": dt.date(2026, 1, 5), "u": u, "s": {2, 1}, "t": (1, 2)}
    ) == {"d": "0.05", "day": "2026-01-05", "u": str(u), "s": [1, 2], "t": [1, 2]}


@pytest.mark.parametrize("bad", [1.5, dt.datetime(2026, 1, 1), object()])
def test_json_safe_refuses_floats_naive_datetimes_and_objects(bad: object) -> None:
    with pytest.raises(TypeError):
        to_json_safe({"x": bad})
