"""The synthetic generator and the engine's measured precision on it."""

from __future__ import annotations

from collections import Counter

import pytest

from urikake.domain.reconciliation import MatchStatus, reconcile
from urikake.domain.reconciliation.synthetic import (
    EXPECTED_AUTO,
    KIND_SHARES,
    SyntheticBook,
    evaluate,
    generate,
)

# Measured on 20,000 deposits × 25,000 items (seeds 2026, 1, 2): auto rate 0.851–0.860, share
# of the auto-eligible kinds matched automatically 0.993–0.994. The floors leave a little room
# for legitimate changes of the generator or the policy.
AUTO_RATE_FLOOR = 0.84
ELIGIBLE_RECALL_FLOOR = 0.98


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate(20_000, 25_000, seed=2026)


def test_generator_is_deterministic_and_complete(book: SyntheticBook) -> None:
    again = generate(2_000, seed=5)
    assert again.deposits == generate(2_000, seed=5).deposits
    assert again.deposits != generate(2_000, seed=6).deposits
    assert len(book.deposits) == 20_000
    assert len(book.items) == 25_000
    assert set(book.truth) == {d.id for d in book.deposits}
    kinds = Counter(t.kind for t in book.truth.values())
    assert set(kinds) == set(KIND_SHARES)  # every quirk is present
    for kind, share in KIND_SHARES.items():
        assert kinds[kind] / 20_000 == pytest.approx(share, rel=0.5, abs=0.004), kind
    item_ids = {it.id for it in book.items}
    assert all(set(t.item_ids) <= item_ids for t in book.truth.values())
    # Bank-style payer names: legal-form abbreviations, half-width kana, cut at 48.
    payers = [d.payer_kana for d in book.deposits]
    assert any(p.startswith("ｶ)") for p in payers)
    assert any(p.endswith("(ｶ") for p in payers)
    assert any(len(p) == 48 for p in payers)
    assert book.payer_links


def test_precision_is_one_and_auto_rate_above_floor(book: SyntheticBook) -> None:
    matches = reconcile(book.deposits, book.items, payer_links=book.payer_links)
    ev = evaluate(matches, book)
    assert ev.wrong_autos == []
    assert ev.precision == 1.0
    assert ev.auto_rate >= AUTO_RATE_FLOOR
    eligible = sum(1 for t in book.truth.values() if t.kind in EXPECTED_AUTO)
    eligible_auto = sum(
        1
        for m in matches
        if m.status is MatchStatus.AUTO and book.truth[m.deposit_id].kind in EXPECTED_AUTO
    )
    assert eligible_auto / eligible >= ELIGIBLE_RECALL_FLOOR
    # The kinds a careful person would not book blindly are never auto.
    never = {"third_party", "unrelated", "partial", "duplicate", "very_late", "same_amount_twice"}
    for kind in never:
        assert ev.by_kind[kind][MatchStatus.AUTO.value] == 0, kind
    assert ev.auto + ev.suggested + ev.unmatched == 20_000


def test_evaluate_counts_a_wrong_auto(book: SyntheticBook) -> None:
    small = generate(300, seed=3)
    matches = reconcile(small.deposits, small.items, payer_links=small.payer_links)
    first_auto = next(m for m in matches if m.status is MatchStatus.AUTO)
    other = next(it.id for it in small.items if it.id not in first_auto.item_ids)
    tampered = [
        m if m is not first_auto else type(m)(**{**_fields(m), "item_ids": (other,)})
        for m in matches
    ]
    ev = evaluate(tampered, small)
    assert ev.wrong_autos == [first_auto.deposit_id]
    assert ev.precision < 1.0


def _fields(m: object) -> dict[str, object]:
    return {name: getattr(m, name) for name in m.__slots__}  # type: ignore[attr-defined]
