"""Property tests of the reconciliation engine (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.name_matching import name_similarity
from urikake.domain.reconciliation import (
    Deposit,
    MatchPolicy,
    MatchStatus,
    OpenItem,
    engine,
    reconcile,
)

DEBTORS = [
    ("yamada", "ヤマダショウジ"),
    ("yamata", "ヤマタショウジ"),  # differs from ヤマダ by a voiced mark only
    ("sakura", "サクラデンキ"),
    ("aoba", "カブシキガイシャアオバケンセツ"),
]
PAYERS = ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀｼﾖｳｼﾞ(ｶ", "ｻｸﾗﾃﾞﾝｷ(ｶ", "ｶ)ｱｵﾊﾞｹﾝｾﾂ", "ｽｽﾞｷ ﾀﾛｳ", "ｶ)ﾎｶﾉｼﾔ"]
BASE = date(2026, 11, 30)
# Small amounts from a short list, so that exact fits, fee fits and sums happen often.
AMOUNTS = st.sampled_from([1_000, 1_110, 2_000, 2_220, 3_000, 5_000, 5_550, 8_000])


@st.composite
def books(draw: st.DrawFn) -> tuple[list[Deposit], list[OpenItem], dict[str, str]]:
    n_items = draw(st.integers(0, 14))
    items = []
    for k in range(n_items):
        debtor, kana = draw(st.sampled_from(DEBTORS))
        items.append(
            OpenItem(
                id=f"I{k}",
                debtor_id=debtor,
                debtor_name="",
                debtor_kana=kana,
                amount=draw(AMOUNTS),
                due_date=BASE + timedelta(days=draw(st.integers(-120, 60))),
            )
        )
    n_deps = draw(st.integers(0, 10))
    deposits = [
        Deposit(
            id=f"P{k}",
            value_date=BASE + timedelta(days=draw(st.integers(-30, 30))),
            amount=draw(AMOUNTS)
            + draw(st.sampled_from([0, 0, 1_000, 2_000]))
            - draw(st.sampled_from([0, 0, 110, 440])),
            payer_kana=draw(st.sampled_from(PAYERS)),
        )
        for k in range(n_deps)
    ]
    links = draw(st.sampled_from([{}, {"ﾎｶﾉｼﾔ": "sakura"}]))
    return deposits, items, links


@settings(max_examples=300, deadline=None)
@given(books())
def test_invariants(book: tuple[list[Deposit], list[OpenItem], dict[str, str]]) -> None:
    deposits, items, links = book
    matches = reconcile(deposits, items, payer_links=links)
    # Exactly one match per deposit, in input order.
    assert [m.deposit_id for m in matches] == [d.id for d in deposits]
    residual = {it.id: it.amount for it in items}
    auto_allocated: dict[str, int] = {}
    for d, m in zip(deposits, matches, strict=True):
        assert m.reason
        assert m.reason_ja
        allocated = sum(a for _, a in m.allocations)
        assert [i for i, _ in m.allocations] == list(m.item_ids)
        if m.status is MatchStatus.UNMATCHED:
            assert m.item_ids == ()
            assert m.allocations == ()
            continue
        assert m.item_ids
        assert m.difference == sum(residual[i] for i in m.item_ids) - d.amount
        assert m.fee_deducted >= 0
        for item_id, yen in m.allocations:
            assert 0 < yen <= residual[item_id]
        if m.status is MatchStatus.AUTO:
            # Auto allocations are full residuals and sum to the deposit plus the fee.
            assert allocated == d.amount + m.fee_deducted
            assert m.difference == m.fee_deducted
            assert MatchPolicy().is_fee(m.fee_deducted) or m.fee_deducted == 0
            for item_id, yen in m.allocations:
                auto_allocated[item_id] = auto_allocated.get(item_id, 0) + yen
    # No item is ever auto-allocated more than its residual (no two autos share an item).
    for item_id, yen in auto_allocated.items():
        assert yen <= residual[item_id]


@settings(max_examples=200, deadline=None)
@given(books(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(
    book: tuple[list[Deposit], list[OpenItem], dict[str, str]], rnd: object
) -> None:
    deposits, items, links = book
    before = {m.deposit_id: m for m in reconcile(deposits, items, payer_links=links)}
    shuffled_deps, shuffled_items = list(deposits), list(items)
    rnd.shuffle(shuffled_deps)  # type: ignore[attr-defined]
    rnd.shuffle(shuffled_items)  # type: ignore[attr-defined]
    after = {m.deposit_id: m for m in reconcile(shuffled_deps, shuffled_items, payer_links=links)}
    for dep_id, m in before.items():
        other = after[dep_id]
        assert (other.status, other.reason) == (m.status, m.reason)
        if m.status is MatchStatus.AUTO:
            # Unambiguous cases: the very same items and amounts.
            assert set(other.allocations) == set(m.allocations)
            assert (other.difference, other.fee_deducted) == (m.difference, m.fee_deducted)


NAMES = st.lists(
    st.sampled_from(
        [
            *("ｶ)", "(ｶ", "ﾕ)", "ｶﾌﾞｼｷｶﾞｲｼﾔ", "ﾔﾏﾀﾞ", "ﾔﾏﾀ", "ｼﾖｳｼﾞ", "ﾃﾞﾝｷ", "ｻｸﾗ", " "),
            *("ﾎ-ﾙﾃﾞｲﾝｸﾞｽ", "ｱｵﾊﾞ", "ｹﾝｾﾂ", "ﾄｳｷﾖｳｼﾃﾝ", "株式会社", "ヤマダ", "ショウジ"),
            "ｴﾝｼﾞﾆｱﾘﾝｸﾞ",
        ]
    ),
    min_size=1,
    max_size=8,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(NAMES, NAMES, st.sampled_from([None, 12, 48]))
def test_fast_pair_score_equals_name_similarity(payer: str, debtor: str, width: int | None) -> None:
    index = engine._Index([], MatchPolicy(payer_name_width=width))
    matcher = engine._Matcher(index, MatchPolicy(payer_name_width=width), {})
    assert matcher._pair_score(payer, debtor) == name_similarity(payer, debtor, truncated_at=width)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(AMOUNTS, min_size=2, max_size=12),
    st.sets(st.integers(2_000, 20_000), min_size=1, max_size=4),
    st.integers(2, 4),
)
def test_may_fit_never_rules_out_a_combination(
    amounts: list[int], targets: set[int], k_max: int
) -> None:
    """The quick check before the combination search: False only when no 2..k_max of the
    amounts add up to a target (counted by brute force)."""
    exists = any(
        sum(combo) in targets
        for k in range(2, k_max + 1)
        for combo in itertools.combinations(amounts, k)
    )
    if exists:
        assert engine._may_fit(amounts, targets, k_max)
