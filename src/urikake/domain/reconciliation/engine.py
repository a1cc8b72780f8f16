"""The reconciliation (消込) engine: which open items does each deposit pay?

**Precision first.** A wrong automatic match books money to the wrong debtor and hides the real
open item; a suggestion costs a person a click. So a deposit is matched ``auto`` only when

1. the payer name strongly matches exactly one debtor better than any other (shared
   normaliser :mod:`urikake.domain.name_matching`, score >= ``STRONG_MATCH``, or a remembered
   payer → debtor link from an operator's confirmation), and
2. exactly one combination of that debtor's open items fits, in the best tier that has any:
   one item for the exact amount · one item less a transfer fee · several items for the exact
   amount · several items less one fee — with the value date inside the due-date window, and
3. no other deposit is matched automatically to any of the same items.

Everything else that has a candidate is ``suggested`` (ambiguity, weak or no name match — a
third party paying —, value date far from the due date, partial payment, a search cut short);
a deposit with no candidate at all is ``unmatched``.

Scale: built for 1,000,000 deposits against 1,000,000 open items within a minute on two cores
(benchmarks/bench_reconciliation.py; from 100,000 deposits on, two processes). Nothing
compares all pairs: debtors are found through dict look-ups on the normalised name keys (plus a
sorted-key prefix range for names the bank cut at the field width), items through the debtor
or, for third-party suggestions, a sorted index of amounts. Each distinct payer string is
normalised and scored once. The combination search (bounded subset sum) runs only over one
debtor's open items in the date window, with caps on pool size, items per combination and
combinations tried; when a cap cuts the search, nothing is booked automatically.

The verdict on one deposit depends only on the deposit, the items and the links — never on
the order of the inputs (ties are broken by dates and ids); :func:`reconcile` then downgrades
auto matches competing for an item, which is symmetric too.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import math
import multiprocessing
import operator
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from multiprocessing.connection import Connection
from typing import NamedTuple

import numpy as np

from urikake.domain.bank_calendar import adjust_to_business_day
from urikake.domain.errors import DomainError
from urikake.domain.name_matching import (
    MIN_TRUNCATED_KEY,
    POSSIBLE_MATCH,
    STRONG_MATCH,
    NormalizedName,
    normalize_name,
    normalized_similarity,
)
from urikake.domain.reconciliation.types import (
    REASONS_JA,
    Deposit,
    Match,
    MatchPolicy,
    MatchStatus,
    OpenItem,
    OpenItems,
    Reason,
)
from urikake.domain.screening.fingerprints import has_kanji
from urikake.domain.zengin_charset import LEGAL_FORMS, zengin_lenient

__all__ = ["payer_key", "reconcile"]

PROGRESS_EVERY = 10_000
PARALLEL_FROM = 100_000  # below this, forking costs more than it saves
# A cut payer name is looked up as a prefix of debtor keys; a prefix shared by more debtor keys
# than this is too common to say anything and is not scored one by one.
_MAX_PREFIX_KEYS = 200
# Tiers of a fit, best first. A deposit's verdict uses the best tier that has any fit.
_SINGLE_EXACT, _SINGLE_FEE, _MULTI_EXACT, _MULTI_FEE = 0, 1, 2, 3
_TIER_REASON = {
    _SINGLE_EXACT: Reason.EXACT,
    _SINGLE_FEE: Reason.FEE_DEDUCTED,
    _MULTI_EXACT: Reason.MULTIPLE_INVOICES,
    _MULTI_FEE: Reason.MULTIPLE_INVOICES_FEE_DEDUCTED,
}
# Cut-off legal-form readings (ｶﾌﾞｼｷｶﾞｲ…) that may end a payer name cut at the width, as
# they appear in keys: the name matcher tries the key without such a tail too.
_MIN_TAIL = 3
_READING_TAILS: frozenset[str] = frozenset(
    z[:n]
    for form in LEGAL_FORMS
    for z in (zengin_lenient(r).translate(str.maketrans("", "", " ()-./")) for r in form.readings)
    for n in range(_MIN_TAIL, len(z) + 1)
)
# Characters outside ASCII, kana, CJK symbols and full/half-width forms: only a name with
# one of these can contain kanji (the exact test, has_kanji, is slower).
_MAYBE_KANJI = re.compile("[^\u0000-\u2e7f\u3000-\u33ff\uff00-\uffef]")
_EXACT_NAME = 1.0  # name_similarity of equal keys; a remembered payer link counts as this
# normalize_name without its LRU cache: the index and the matcher keep every name they
# normalise in dicts of their own, and a million distinct names only churned the LRU.
_normalize_uncached = normalize_name.__wrapped__
_KEEP_SOLUTIONS = 8  # combinations kept: one is the answer, two already ambiguity
_MAX_INT64 = 2**63 - 1


_QUICK_MAX_ITEMS = 4  # combinations of up to this many items can be ruled out by pair sums


def _combination_count(n: int, k_max: int) -> int:
    """Combinations of 1..k_max of n items: the most the combination search may try."""
    return sum(math.comb(n, k) for k in range(1, k_max + 1))


def _may_fit(amounts: Sequence[int], targets: set[int], k_max: int) -> bool:
    """False when no 2..k_max (at most 4) of the amounts can add up to a target.

    Pairs: the set of pair sums; three items: a target less one amount among the pair sums;
    four: a target less a pair sum among them — the smaller of the two pair sums, so only
    those up to half the largest target are subtracted. The last two ignore that the items
    must be distinct, so True only means "maybe" (the caller then searches)."""
    k_max = min(k_max, len(amounts))  # no four items out of three
    pairs = {x + y for i, x in enumerate(amounts, 1) for y in amounts[i:]}
    if not pairs.isdisjoint(targets):
        return True
    if k_max >= 3 and not pairs.isdisjoint({t - x for t in targets for x in amounts}):
        return True
    if k_max < 4:
        return False
    half = max(targets) // 2
    smaller = [s for s in pairs if s <= half]
    return not pairs.isdisjoint({t - s for t in targets for s in smaller})


def payer_key(payer_kana: str) -> str:
    """The key a remembered payer → debtor link is stored under (the normalised name key)."""
    return normalize_name(payer_kana).key


class _Combo(NamedTuple):  # a tuple: built for every fitting item, so cheap to make
    tier: int
    items: tuple[int, ...]  # item indexes, sorted
    total: int
    distance: int  # sum of |value date − due date| in days (closer is better)


@dataclass(slots=True)
class _Scan:
    inside: list[_Combo] = field(default_factory=list)  # single items that fit, in the window
    outside: list[_Combo] = field(default_factory=list)  # … outside it
    bigger: list[int] = field(default_factory=list)  # in the window, more than the amount
    pool: list[int] = field(default_factory=list)  # in the window, less: combination parts


@dataclass(slots=True)
class _Verdict:
    status: MatchStatus
    reason: Reason
    items: tuple[int, ...] = ()
    total: int = 0  # sum of the items' residuals (or the allocation for a partial payment)
    partial: bool = False
    score: float | None = None
    candidates: int = 0


class _Index:
    """The open items arranged for look-ups by debtor name key and by amount."""

    def __init__(self, items: Sequence[OpenItem], policy: MatchPolicy) -> None:
        # Column by column (comprehensions, C-level maps and sorts) rather than item by
        # item: a million items, so every per-item Python step counts. The CSV reader hands
        # over columns (OpenItems); a list of OpenItem objects is turned into columns first.
        columns = OpenItems.of(items)
        self.items = columns
        n = len(columns)
        self.ids: list[str] = columns.ids
        self.amount: list[int] = columns.amounts
        if len(set(self.ids)) != n or not all(type(a) is int and a > 0 for a in self.amount):
            seen_ids: set[str] = set()
            for i, it in enumerate(columns):  # the slow way, for the first problem's position
                _check_item(it, i, seen_ids)
        due_dates = columns.due_dates
        due_of: dict[date, int] = {}  # ordinal of the due date
        lo_of: dict[date, int] = {}  # window of value dates (ordinals) for an automatic match
        hi_of: dict[date, int] = {}
        for day in set(due_dates):
            o = day.toordinal()
            due_of[day], lo_of[day] = o, o - policy.days_early
            hi_of[day] = adjust_to_business_day(day).toordinal() + policy.days_late
        self.due: list[int] = list(map(due_of.__getitem__, due_dates))
        self.lo: list[int] = list(map(lo_of.__getitem__, due_dates))
        self.hi: list[int] = list(map(hi_of.__getitem__, due_dates))
        self.max_adjust = max((hi_of[day] - lo_of[day] for day in due_of), default=0) - (
            policy.days_early + policy.days_late
        )
        self.debtor_ids: list[str] = []
        self.debtor_items: list[list[int]] = []
        self.debtor_names: list[list[str]] = []
        debtor_index: dict[str, int] = {}
        usable: dict[str, bool] = {}  # name → usable for matching (kana/latin, not blank)
        # (debtor id, kana, name) → debtor: the names of a debtor are looked at once per
        # distinct spelling (in the order of first appearance), not once per item.
        spellings = list(
            zip(columns.debtor_ids, columns.debtor_kanas, columns.debtor_names, strict=True)
        )
        debtor_of_spelling: dict[tuple[str, str, str], int] = dict.fromkeys(spellings, 0)
        for spelling in debtor_of_spelling:
            debtor_of_spelling[spelling] = self._add_names(spelling, debtor_index, usable)
        self.debtor_of: list[int] = list(map(debtor_of_spelling.__getitem__, spellings))
        del spellings, debtor_of_spelling
        debtor_items = self.debtor_items
        for i, d in enumerate(self.debtor_of):
            debtor_items[d].append(i)
        self.debtor_index = debtor_index
        # Per amount: items by due date (then id), so that a deposit looks only at the items
        # whose due date can be in its window (common amounts like ¥110,000 have thousands of
        # items).
        self.by_amount: dict[int, tuple[list[int], list[int]]] = _by_amount(
            self.amount, self.due, self.ids
        )
        self.sorted_amounts = sorted(self.by_amount)
        self.by_key: dict[str, list[int]] = {}
        self.by_loose: dict[str, list[int]] = {}
        # The normalised debtor names, kept: the matcher scores payers against them (in
        # every process: forked after this, the children share the dict's pages).
        self.norms: dict[str, NormalizedName] = {}
        for d, names in enumerate(self.debtor_names):
            for name in names:
                nn = self.norms.get(name)
                if nn is None:
                    nn = self.norms[name] = _normalize_uncached(name)
                for table, key in ((self.by_key, nn.key), (self.by_loose, nn.loose_key)):
                    if key:
                        ds = table.setdefault(key, [])
                        if not ds or ds[-1] != d:
                            ds.append(d)
        self.sorted_keys = sorted(self.by_key)
        self.sorted_loose = sorted(self.by_loose)

    def _add_names(
        self, spelling: tuple[str, str, str], debtor_index: dict[str, int], usable: dict[str, bool]
    ) -> int:
        """The debtor of ``spelling`` (added if new), with its usable names added."""
        debtor_id, kana, name = spelling
        d = debtor_index.get(debtor_id)
        if d is None:
            d = debtor_index[debtor_id] = len(self.debtor_ids)
            self.debtor_ids.append(debtor_id)
            self.debtor_items.append([])
            self.debtor_names.append([])
        names = self.debtor_names[d]
        for text in (kana, name):
            ok = usable.get(text)
            if ok is None:
                # Kanji cannot appear in a bank's payer name and would leave a partial
                # key (株式会社ヤマダ商事 → ﾔﾏﾀﾞ) matching every ﾔﾏﾀﾞ: only kana/latin.
                ok = usable[text] = bool(text.strip()) and not (
                    _MAYBE_KANJI.search(text) and has_kanji(text)
                )
            if ok and text not in names:
                names.append(text)
        return d


def _by_amount(
    amounts: list[int], due: list[int], ids: list[str]
) -> dict[int, tuple[list[int], list[int]]]:
    """amount → (its items sorted by due date then id, their due dates).

    One stable numpy sort of all items by (amount, due date) — by id too when the ids are
    not already in ascending order (a CSV from a database usually is) — then a slice per
    amount: sorting each amount's items apart took Python calls per amount and per item."""
    n = len(amounts)
    if n == 0:
        return {}
    if max(amounts) > _MAX_INT64:  # yen beyond numpy's integers (only through the API)
        return _by_amount_lists(amounts, due, ids)
    amount_array = np.array(amounts, dtype=np.int64)
    due_array = np.array(due, dtype=np.int64)
    keys = [due_array, amount_array]  # np.lexsort: the last key is the first criterion
    if not all(map(operator.lt, ids, islice(ids, 1, None))):
        rank = np.empty(n, dtype=np.int64)
        rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n, dtype=np.int64)
        keys.insert(0, rank)
    order = np.lexsort(keys)
    sorted_amounts = amount_array[order]
    starts = (np.flatnonzero(sorted_amounts[1:] != sorted_amounts[:-1]) + 1).tolist()
    firsts, ends = [0, *starts], [*starts, n]
    idx, dues = order.tolist(), due_array[order].tolist()
    return {
        amount: (idx[a:b], dues[a:b])
        for amount, a, b in zip(sorted_amounts[firsts].tolist(), firsts, ends, strict=True)
    }


def _by_amount_lists(
    amounts: list[int], due: list[int], ids: list[str]
) -> dict[int, tuple[list[int], list[int]]]:
    """:func:`_by_amount` without numpy, for amounts of any size."""
    by_amount: dict[int, list[int]] = {}
    for i, amount in enumerate(amounts):
        entry = by_amount.get(amount)
        if entry is None:
            by_amount[amount] = [i]
        else:
            entry.append(i)
    order_key = list(zip(due, ids, strict=True)).__getitem__
    for idx in by_amount.values():
        if len(idx) > 1:
            idx.sort(key=order_key)
    due_of = due.__getitem__
    return {amount: (idx, list(map(due_of, idx))) for amount, idx in by_amount.items()}


def _check_item(it: OpenItem, position: int, seen: set[str]) -> None:
    if isinstance(it.amount, bool) or not isinstance(it.amount, int) or it.amount <= 0:
        raise DomainError(
            "reconciliation.bad_item",
            f"未消込明細 {it.id} の金額は1円以上の整数にしてください",
            field="amount",
            line=position + 1,
        )
    if it.id in seen:
        raise DomainError(
            "reconciliation.duplicate_item",
            f"未消込明細のID {it.id} が重複しています",
            field="item_id",
            line=position + 1,
        )
    seen.add(it.id)


def _check_deposit(dep: Deposit, position: int, seen: set[str]) -> None:
    if isinstance(dep.amount, bool) or not isinstance(dep.amount, int) or dep.amount <= 0:
        raise DomainError(
            "reconciliation.bad_deposit",
            f"入金 {dep.id} の金額は1円以上の整数にしてください",
            field="amount",
            line=position + 1,
        )
    if dep.id in seen:
        raise DomainError(
            "reconciliation.duplicate_deposit",
            f"入金のID {dep.id} が重複しています",
            field="deposit_id",
            line=position + 1,
        )
    seen.add(dep.id)


class _Matcher:
    """Per-run state: the index, the policy, the links and the per-name caches."""

    def __init__(self, index: _Index, policy: MatchPolicy, payer_links: Mapping[str, str]) -> None:
        self.ix = index
        self.policy = policy
        self.links = {
            key: index.debtor_index[debtor]
            for key, debtor in payer_links.items()
            if debtor in index.debtor_index
        }
        self.width = policy.payer_name_width
        # Per distinct payer string: {debtor: name score} of the debtors it could denote.
        self._debtors_cache: dict[str, dict[int, float]] = {}
        self._pair_cache: dict[tuple[str, int], float] = {}
        self._norm_cache: dict[str, NormalizedName] = dict(index.norms)
        self._max_fee = policy.max_fee
        self._fee_steps = (0, *sorted(policy.fee_amounts))  # a combination's total − amount
        # The largest pool that the quick look at pair sums may rule out (_may_fit): only
        # without a fee tolerance (any deduction would be a target), for combinations of up
        # to _QUICK_MAX_ITEMS, and when the search below could not run out of budget.
        self._quick_pool = -1
        if policy.fee_tolerance == 0 and policy.max_subset_items <= _QUICK_MAX_ITEMS:
            self._quick_pool = max(
                (
                    n
                    for n in range(2, policy.max_subset_pool + 1)
                    if _combination_count(n, policy.max_subset_items) <= policy.max_combinations
                ),
                default=-1,
            )

    # ---- names ----------------------------------------------------------------------

    def _norm(self, name: str) -> NormalizedName:
        # normalize_name's own LRU cache is too small for a million names and would thrash.
        n = self._norm_cache.get(name)
        if n is None:
            n = self._norm_cache[name] = _normalize_uncached(name)
        return n

    def _similarity(self, payer: str, d: int) -> float:
        cached = self._pair_cache.get((payer, d))
        if cached is None:
            cached = max(
                (self._pair_score(payer, name) for name in self.ix.debtor_names[d]), default=0.0
            )
            self._pair_cache[(payer, d)] = cached
        return cached

    def _pair_score(self, payer: str, name: str) -> float:
        """Exactly ``name_similarity(payer, name, truncated_at=width)``, from the cached
        normalised names (name_similarity would normalise both again)."""
        return normalized_similarity(self._norm(payer), self._norm(name), truncated_at=self.width)

    def _prefix_debtors(self, keys: list[str], table: dict[str, list[int]], key: str) -> set[int]:
        """Debtors whose key starts with the cut payer key (or with it less a cut-off
        legal-form reading, ``…ｶﾌﾞｼｷｶﾞｲ``) — the only way a cut name matches by prefix."""
        found: set[int] = set()
        prefixes = [key] + [key[:-n] for n in range(1, len(key)) if key[-n:] in _READING_TAILS]
        for prefix in prefixes:
            if len(prefix) < MIN_TRUNCATED_KEY:
                continue
            start = bisect.bisect_left(keys, prefix)
            end = bisect.bisect_left(keys, prefix + "\uffff", lo=start)
            if end - start > _MAX_PREFIX_KEYS:
                continue  # too common a prefix to say anything
            found.update(d for k in keys[start:end] for d in table[k])
        return found

    def name_debtors(self, payer: str) -> dict[int, float]:
        """Debtors the payer name strongly denotes, with their scores (links count as 1.0)."""
        found = self._debtors_cache.get(payer)
        if found is not None:
            return found
        ix = self.ix
        p = self._norm(payer)
        candidates: set[int] = set()
        if p.key:
            candidates.update(ix.by_key.get(p.key, ()))
            candidates.update(ix.by_loose.get(p.loose_key, ()))
            if self.width is not None and p.width >= self.width:
                candidates |= self._prefix_debtors(ix.sorted_keys, ix.by_key, p.key)
                candidates |= self._prefix_debtors(ix.sorted_loose, ix.by_loose, p.loose_key)
        found = {}
        for d in candidates:
            s = self._similarity(payer, d)
            if s >= STRONG_MATCH:
                found[d] = s
        linked = self.links.get(p.key)
        if linked is not None:
            found[linked] = 1.0
        self._debtors_cache[payer] = found
        return found

    # ---- combinations -----------------------------------------------------------------

    def _scan(self, debtor: int, amount: int, vo: int) -> _Scan:
        """One pass over a debtor's items: what fits the amount, inside and outside the
        date window, and what could be part of a combination or a partial payment."""
        ix = self.ix
        lo, hi, amounts, due = ix.lo, ix.hi, ix.amount, ix.due
        fees, tolerance = self.policy.fee_amounts, self.policy.fee_tolerance
        scan = _Scan([], [], [], [])
        for i in ix.debtor_items[debtor]:
            diff = amounts[i] - amount
            inside = lo[i] <= vo <= hi[i]
            if diff == 0 or (diff > 0 and (diff in fees or diff <= tolerance)):  # is_fee
                combo = _Combo(
                    _SINGLE_FEE if diff else _SINGLE_EXACT, (i,), amounts[i], abs(vo - due[i])
                )
                (scan.inside if inside else scan.outside).append(combo)
            elif inside:
                if diff > 0:
                    scan.bigger.append(i)
                else:
                    scan.pool.append(i)
        return scan

    def _subsets(
        self,
        pool: list[int],
        amount: int,
        vo: int,
        *,
        exact_only: bool = False,
        limit: int = _KEEP_SOLUTIONS,
    ) -> tuple[list[_Combo], bool]:
        """Combinations of 2..max_subset_items items summing to the amount (plus a fee).

        Returns the fits and whether the search was complete.
        """
        ix, policy = self.ix, self.policy
        top = amount if exact_only else amount + self._max_fee
        amount_of = ix.amount
        pool = [i for i in pool if amount_of[i] < top]
        n = len(pool)
        if n < 2:
            return [], True
        complete = True
        if n > policy.max_subset_pool:
            complete = False
            pool.sort(key=lambda i: (abs(vo - ix.due[i]), ix.due[i], ix.ids[i]))
            pool = pool[: policy.max_subset_pool]
            n = len(pool)
        k_max = policy.max_subset_items
        budget = policy.max_combinations
        if n <= self._quick_pool:
            # Most searches find nothing (a payment of one invoice, checked for rivals): a
            # look at the sums of pairs rules that out in a few set operations. When it
            # cannot, the search below runs as before — and it cannot run out of budget.
            targets = {amount} if exact_only else {amount + f for f in self._fee_steps}
            if not _may_fit([amount_of[i] for i in pool], targets, k_max):
                return [], complete
        # Largest first, so that a total over the top prunes the rest of the loop cheaply.
        pool.sort(key=lambda i: (-amount_of[i], ix.ids[i]))
        amounts = [amount_of[i] for i in pool]
        prefix = [0] * (n + 1)
        for j in range(n):
            prefix[j + 1] = prefix[j] + amounts[j]
        tried = 0
        found: list[_Combo] = []
        chosen: list[int] = []

        def dfs(start: int, total: int) -> bool:
            nonlocal tried
            room = k_max - len(chosen)  # items this combination may still take
            for j in range(start, n):
                # The largest total still reachable takes the next `room` items (the pool is
                # sorted largest first, so this only shrinks as j grows): short of the
                # amount, nothing further on can fit either.
                if total + prefix[min(j + room, n)] - prefix[j] < amount:
                    return True
                tried += 1
                if tried > budget:
                    return False
                t = total + amounts[j]
                if t > top:
                    continue
                chosen.append(j)
                if len(chosen) >= 2 and t >= amount and (t == amount or policy.is_fee(t - amount)):
                    picked = tuple(sorted(pool[c] for c in chosen))
                    dist = sum(abs(vo - ix.due[i]) for i in picked)
                    tier = _MULTI_EXACT if t == amount else _MULTI_FEE
                    found.append(_Combo(tier, picked, t, dist))
                    if len(found) >= limit:
                        return False  # enough to decide: stop (found says it all)
                if len(chosen) < k_max and not dfs(j + 1, t):  # noqa: F821 — see del below
                    return False
                chosen.pop()
            return True

        if not dfs(0, 0) and len(found) < limit:
            complete = False
        # dfs refers to itself through its closure cell: a reference cycle that only the
        # cyclic collector would free, and it is switched off during a run. Emptying the cell
        # frees it now (streaming runs judge millions of deposits with flat memory).
        del dfs
        return found, complete

    # ---- verdict ------------------------------------------------------------------------

    def _sort_key(self, c: _Combo) -> tuple[int, int, int, tuple[str, ...]]:
        return (c.tier, len(c.items), c.distance, tuple(self.ix.ids[i] for i in c.items))

    def judge(self, dep: Deposit) -> _Verdict:
        strong = self.name_debtors(dep.payer_kana)
        if strong:
            return self._judge_named(dep, strong)
        return self._judge_by_amount(dep)

    def _fits(
        self, amount: int, vo: int, scans: dict[int, _Scan]
    ) -> tuple[list[_Combo], int, bool]:
        """What fits the amount among these debtors' items: (fits, rivals, search complete).

        One item fits: an item outside the window that fits as well (an old overdue invoice
        of the same amount), or several items adding up to the amount, are rivals that make
        it ambiguous (a rival search cut by the caps does not block the match). No single
        item fits: combinations of several items, searched per debtor.
        """
        ix = self.ix
        fits = [c for sc in scans.values() for c in sc.inside]
        complete = True
        rivals = 0
        if fits:
            best_tier = min(c.tier for c in fits)
            for sc in scans.values():
                rivals += sum(1 for c in sc.outside if c.tier <= best_tier)
                if len(sc.pool) >= 2 and sum(ix.amount[i] for i in sc.pool) >= amount:
                    multi, _ = self._subsets(
                        sc.pool, amount, vo, exact_only=best_tier == _SINGLE_EXACT, limit=1
                    )
                    rivals += len(multi)
        else:
            for sc in scans.values():
                if len(sc.pool) >= 2 and sum(ix.amount[i] for i in sc.pool) >= amount:
                    found, done = self._subsets(sc.pool, amount, vo)
                    fits.extend(found)
                    complete = complete and done
            if fits:
                # One item for the amount outside the window (a very late payment of an old
                # invoice) is better evidence than any combination: that is a rival too.
                rivals = sum(len(sc.outside) for sc in scans.values())
        return fits, rivals, complete

    def _judge_named(self, dep: Deposit, strong: dict[int, float]) -> _Verdict:
        ix = self.ix
        vo = dep.value_date.toordinal()
        top_score = max(strong.values())
        top = [d for d, s in strong.items() if s == top_score]
        # The payer name is exactly one debtor's (or a remembered link): that resolves the
        # debtor. Neighbours that only resemble it (a twin differing by ﾞ/ﾟ, longer names
        # sharing a cut prefix) then compete for nothing while the resolved debtor has a fit,
        # and the combination search stays within it — in a large book with many similar
        # names they would otherwise make nearly every deposit ambiguous. When only a
        # neighbour has a fit, that is still a name conflict for a person to decide.
        fits: list[_Combo] = []
        resolved: dict[int, _Scan] = {}
        if top_score >= _EXACT_NAME and len(top) == 1:
            resolved = {top[0]: self._scan(top[0], dep.amount, vo)}
            fits, rivals, complete = self._fits(dep.amount, vo, resolved)
        if fits:
            scans = resolved  # resolved: the late/partial checks stay within it
        else:
            # The neighbours are scanned only now (the resolved debtor's scan is reused).
            scans = {
                d: resolved[d] if d in resolved else self._scan(d, dep.amount, vo) for d in strong
            }
            fits, rivals, complete = self._fits(dep.amount, vo, scans)
        if fits:
            best_tier = min(c.tier for c in fits)
            best = [c for c in fits if c.tier == best_tier]
            if len(best) > 1:
                best.sort(key=self._sort_key)
            chosen = best[0]
            owner = ix.debtor_of[chosen.items[0]]
            if len(top) > 1:
                reason = Reason.AMBIGUOUS_DEBTOR_NAME
            elif len(best) + rivals > 1:
                reason = Reason.AMBIGUOUS_CANDIDATES
            elif owner != top[0]:
                reason = Reason.NAME_CONFLICT
            elif not complete:
                reason = Reason.COMBINATION_SEARCH_LIMIT
            else:
                return _Verdict(
                    MatchStatus.AUTO,
                    _TIER_REASON[best_tier],
                    chosen.items,
                    chosen.total,
                    score=strong[owner],
                    candidates=1,
                )
            return _Verdict(
                MatchStatus.SUGGESTED,
                reason,
                chosen.items,
                chosen.total,
                score=strong[owner],
                candidates=len(best) + rivals,
            )
        # No fit in the window: the same amount far from its due date?
        late = [c for sc in scans.values() for c in sc.outside]
        if late:
            chosen = min(late, key=self._sort_key)
            return _Verdict(
                MatchStatus.SUGGESTED,
                Reason.OUTSIDE_DATE_WINDOW,
                chosen.items,
                chosen.total,
                score=strong[ix.debtor_of[chosen.items[0]]],
                candidates=len(late),
            )
        bigger = [i for d in top for i in scans[d].bigger]
        if bigger:
            # Less than an item: a partial payment (or a deduction to query). The residual
            # stays open; suggest the item closest to its due date.
            i = min(bigger, key=lambda i: (abs(vo - ix.due[i]), ix.due[i], ix.ids[i]))
            return _Verdict(
                MatchStatus.SUGGESTED,
                Reason.PARTIAL_PAYMENT,
                (i,),
                ix.amount[i],
                partial=True,
                score=top_score,
                candidates=len(bigger),
            )
        return _Verdict(MatchStatus.UNMATCHED, Reason.DEBTOR_KNOWN_NO_AMOUNT_FIT, score=top_score)

    def _judge_by_amount(self, dep: Deposit) -> _Verdict:
        """No debtor by name: items of the right amount and date are only suggested."""
        ix, policy = self.ix, self.policy
        vo = dep.value_date.toordinal()
        amounts = {dep.amount, *(dep.amount + fee for fee in policy.fee_amounts)}
        if policy.fee_tolerance:
            start = bisect.bisect_right(ix.sorted_amounts, dep.amount)
            end = bisect.bisect_right(ix.sorted_amounts, dep.amount + policy.fee_tolerance)
            amounts.update(ix.sorted_amounts[start:end])
        # Due dates that can put the value date in the window: [vo − late − adjust, vo + early].
        first_due = vo - policy.days_late - ix.max_adjust
        last_due = vo + policy.days_early
        candidates: list[int] = []
        lo, hi, limit = ix.lo, ix.hi, policy.max_amount_candidates
        for amount in sorted(amounts):
            entry = ix.by_amount.get(amount)
            if entry is None:
                continue
            idx, dues = entry
            a = bisect.bisect_left(dues, first_due)
            b = bisect.bisect_right(dues, last_due, lo=a)
            if b - a > limit:
                # Too many to score: the ones due nearest the value date.
                mid = bisect.bisect_left(dues, vo, lo=a, hi=b)
                half = limit // 2
                a, b = max(a, mid - half), min(b, mid + half + 1)
            candidates.extend(i for i in idx[a:b] if lo[i] <= vo <= hi[i])
            if len(candidates) >= limit:
                break  # the candidates are ranked by amount first: larger ones are not kept
        if not candidates:
            return _Verdict(MatchStatus.UNMATCHED, Reason.NO_CANDIDATE)
        candidates.sort(key=lambda i: (ix.amount[i], abs(vo - ix.due[i]), ix.due[i], ix.ids[i]))
        candidates = candidates[: policy.max_amount_candidates]

        def rank(i: int) -> tuple[float, int, int, int, str]:
            score = self._similarity(dep.payer_kana, ix.debtor_of[i])
            return (-score, ix.amount[i], abs(vo - ix.due[i]), ix.due[i], ix.ids[i])

        best = min(candidates, key=rank)
        score = self._similarity(dep.payer_kana, ix.debtor_of[best])
        reason = (
            Reason.POSSIBLE_NAME_MATCH if score >= POSSIBLE_MATCH else Reason.THIRD_PARTY_AMOUNT_FIT
        )
        return _Verdict(
            MatchStatus.SUGGESTED,
            reason,
            (best,),
            ix.amount[best],
            score=score,
            candidates=len(candidates),
        )


_MatchFields = tuple[tuple[str, ...], tuple[tuple[str, int], ...], int, int, Decimal | None]


def _match_fields(
    amount: int,
    v: _Verdict,
    index: _Index,
    policy: MatchPolicy,
    scores: dict[float, Decimal],
) -> _MatchFields:
    """The fields of the verdict's :class:`Match` that are worked out: ``(item_ids,
    allocations, difference, fee_deducted, score)``."""
    ids = index.ids
    items = v.items
    item_ids = tuple(map(ids.__getitem__, items))
    if v.partial:
        allocations: tuple[tuple[str, int], ...] = ((item_ids[0], amount),)
        difference, fee = v.total - amount, 0
    else:
        allocations = tuple(zip(item_ids, map(index.amount.__getitem__, items), strict=True))
        difference = v.total - amount if items else 0
        fee = difference if difference > 0 and policy.is_fee(difference) else 0
    score = None
    if v.score is not None:
        score = scores.get(v.score)
        if score is None:
            # A similarity, not money: two decimals, half-up, for people to read.
            score = scores[v.score] = Decimal(repr(v.score)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
    return item_ids, allocations, difference, fee, score


def _to_match(
    deposit_id: str,
    amount: int,
    v: _Verdict,
    index: _Index,
    policy: MatchPolicy,
    scores: dict[float, Decimal],
) -> Match:
    item_ids, allocations, difference, fee, score = _match_fields(amount, v, index, policy, scores)
    return Match(
        deposit_id=deposit_id,
        status=v.status,
        item_ids=item_ids,
        allocations=allocations,
        difference=difference,
        fee_deducted=fee,
        reason=v.reason.value,
        reason_ja=REASONS_JA[v.reason],
        score=score,
        candidates=v.candidates,
    )


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off for the block (restored after): a run allocates
    millions of small containers and frees none of them until the end, so the collector
    would traverse them again and again without ever finding garbage."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def reconcile(
    deposits: Sequence[Deposit],
    items: Sequence[OpenItem],
    *,
    policy: MatchPolicy | None = None,
    payer_links: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> list[Match]:
    """Match each deposit to open items; one :class:`Match` per deposit, in input order.

    ``payer_links``: remembered payer → debtor links (``payer_key(payer_kana)`` → debtor id),
    learned from operators' confirmations; a linked payer counts as a strong name match.
    Links to debtors without open items are ignored. ``progress`` is called with the number
    of deposits done since its last call (about every :data:`PROGRESS_EVERY`), so
    ``tqdm.update`` fits. ``workers``: processes to judge deposits in (default: 2 from
    :data:`PARALLEL_FROM` deposits on where ``fork`` exists, else 1); the result is the same.
    Raises :class:`DomainError` on a non-positive amount or a duplicate id (``line`` =
    position in the input, from 1).
    """
    # Measured: the collector took a third of the time at 1,000,000 deposits.
    with no_cyclic_gc():
        return _reconcile(deposits, items, policy, payer_links, progress, workers)


def _reconcile(
    deposits: Sequence[Deposit],
    items: Sequence[OpenItem],
    policy: MatchPolicy | None,
    payer_links: Mapping[str, str] | None,
    progress: Callable[[int], None] | None,
    workers: int | None,
) -> list[Match]:
    policy = policy or MatchPolicy()
    seen: set[str] = set()
    for n, dep in enumerate(deposits):
        _check_deposit(dep, n, seen)
    index = _Index(items, policy)
    matcher = _Matcher(index, policy, payer_links or {})
    if workers is None:
        workers = 2 if len(deposits) >= PARALLEL_FROM else 1
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        verdicts = _judge_parallel(matcher, deposits, workers, progress)
    else:
        verdicts = _judge_range(matcher, deposits, 0, len(deposits), progress)
    _downgrade_competing(verdicts)
    scores: dict[float, Decimal] = {}
    return [
        _to_match(dep.id, dep.amount, v, index, policy, scores)
        for dep, v in zip(deposits, verdicts, strict=True)
    ]


def _judge_range(
    matcher: _Matcher,
    deposits: Sequence[Deposit],
    start: int,
    end: int,
    progress: Callable[[int], None] | None,
) -> list[_Verdict]:
    verdicts: list[_Verdict] = []
    judge = matcher.judge
    for n in range(start, end):
        verdicts.append(judge(deposits[n]))
        if progress is not None and (n - start + 1) % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress is not None and (end - start) % PROGRESS_EVERY:
        progress((end - start) % PROGRESS_EVERY)
    return verdicts


# The forked children read the index from here (inherited memory, nothing is pickled in).
_FORK_STATE: tuple[_Matcher, Sequence[Deposit]] | None = None


def _child(conn: Connection, start: int, end: int) -> None:
    assert _FORK_STATE is not None
    matcher, deposits = _FORK_STATE
    try:
        verdicts = _judge_range(matcher, deposits, start, end, None)
        conn.send(
            [
                (v.status, v.reason, v.items, v.total, v.partial, v.score, v.candidates)
                for v in verdicts
            ]
        )
    except BaseException as exc:  # the parent re-raises it
        conn.send(exc)
    finally:
        conn.close()


def _judge_parallel(
    matcher: _Matcher,
    deposits: Sequence[Deposit],
    workers: int,
    progress: Callable[[int], None] | None,
) -> list[_Verdict]:
    """The first share is judged here, the others in forked children, concurrently."""
    global _FORK_STATE
    ctx = multiprocessing.get_context("fork")
    bounds = [len(deposits) * k // workers for k in range(workers + 1)]
    _FORK_STATE = (matcher, deposits)
    children = []
    try:
        for k in range(1, workers):
            receiver, sender = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_child, args=(sender, bounds[k], bounds[k + 1]))
            proc.start()
            sender.close()
            children.append((proc, receiver, bounds[k + 1] - bounds[k]))
        verdicts = _judge_range(matcher, deposits, 0, bounds[1], progress)
        for proc, receiver, size in children:
            result = receiver.recv()
            proc.join()
            if isinstance(result, BaseException):
                raise result
            verdicts.extend(_Verdict(*row) for row in result)
            if progress is not None:
                progress(size)
    finally:
        _FORK_STATE = None
        for proc, _, _ in children:
            if proc.is_alive():
                proc.terminate()
                proc.join()
    return verdicts


def _downgrade_competing(verdicts: list[_Verdict]) -> None:
    """Two automatic matches claiming one item: neither is booked without a person."""
    claims: dict[int, int] = {}
    for v in verdicts:
        if v.status is MatchStatus.AUTO:
            for i in v.items:
                claims[i] = claims.get(i, 0) + 1
    for v in verdicts:
        if v.status is MatchStatus.AUTO and any(claims[i] > 1 for i in v.items):
            v.status = MatchStatus.SUGGESTED
            v.reason = Reason.COMPETING_DEPOSITS
