"""Streaming reconciliation: deposits judged chunk by chunk, memory bounded by the open items.

:func:`reconcile_stream` gives exactly the matches of :func:`~.engine.reconcile` (same
judging code, same downgrade of competing automatic matches), but never holds all deposits or
all matches: the deposits arrive as an iterable (a CSV read row by row), are judged in chunks
of :data:`CHUNK` and the verdicts go to an anonymous temporary file (the *spool*). Only once
every deposit is judged is it known which items two automatic matches compete for; the second
pass reads the spool back and yields the final matches in input order.

What grows with the deposits: one byte per open item for the claims (not per deposit), 8 bytes
per deposit for the duplicate-id check (a hash; see :class:`DuplicateFinder`), and the
per-payer-name caches of the matcher (bounded by the distinct payer names). Everything else is
proportional to the open items or to one chunk.

Two processes from the second chunk on (``fork``; the children are forked once, after the
index is built, and keep their caches from chunk to chunk).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import pickle  # nosec B403 # only our own temporary spool file is read back
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import IO, NamedTuple, cast

import numpy as np

from urikake.domain.errors import DomainError
from urikake.domain.reconciliation.engine import (
    _Index,
    _Matcher,
    _to_match,
    _Verdict,
)
from urikake.domain.reconciliation.types import (
    Deposit,
    Match,
    MatchPolicy,
    MatchStatus,
    OpenItem,
    Reason,
)

__all__ = ["CHUNK", "DuplicateFinder", "Rendered", "reconcile_rendered", "reconcile_stream"]

CHUNK = 20_000  # deposits judged (and spooled) at a time


class DuplicateFinder:
    """Finds duplicate keys among millions with 8 bytes per key instead of a set of strings.

    :meth:`add` stores the key's hash; :meth:`suspects` returns the hashes seen more than
    once. A shared hash is only a *suspect*: the caller re-reads its keys (a second pass over
    a file or the spool) and compares the keys themselves — see :meth:`first_duplicate`.
    """

    def __init__(self) -> None:
        self._hashes = array("q")

    def add(self, key: str) -> None:
        self._hashes.append(hash(key))

    def suspects(self) -> frozenset[int]:
        if len(self._hashes) < 2:
            return frozenset()
        # Sorted as a numpy array: 8 bytes per key (a sorted list would take 40).
        ordered = np.sort(np.frombuffer(self._hashes, dtype=np.int64))
        repeated = ordered[1:][ordered[1:] == ordered[:-1]]
        return frozenset(int(h) for h in np.unique(repeated))

    @staticmethod
    def first_duplicate(keys: Iterable[str], suspects: frozenset[int]) -> tuple[int, str] | None:
        """(position, key) of the first key that repeats an earlier one, checked exactly
        among the keys whose hash is a suspect."""
        seen: set[str] = set()
        for position, key in enumerate(keys):
            if hash(key) in suspects:
                if key in seen:
                    return position, key
                seen.add(key)
        return None


def _check_amount(dep: Deposit, position: int) -> None:
    if isinstance(dep.amount, bool) or not isinstance(dep.amount, int) or dep.amount <= 0:
        raise DomainError(
            "reconciliation.bad_deposit",
            f"入金 {dep.id} の金額は1円以上の整数にしてください",
            field="amount",
            line=position + 1,
        )


# ---- worker processes --------------------------------------------------------------------

_POOL_WORK: _Work | None = None  # the forked children read it from here


# A verdict as the spool keeps it (the fields of _Verdict, in order).
_VerdictRow = tuple[MatchStatus, Reason, tuple[int, ...], int, bool, float | None, int]


def _row(v: _Verdict) -> _VerdictRow:
    return (v.status, v.reason, v.items, v.total, v.partial, v.score, v.candidates)


class _Work:
    """What every process does with its share of a chunk: judge each deposit and, when the
    caller renders matches (a CSV line per match), render it too — so that the formatting
    runs in parallel as well. One entry per deposit: ``(id, amount, verdict row, rendered
    text or None, fee deducted)``."""

    def __init__(self, matcher: _Matcher, render: Callable[[Match], str] | None) -> None:
        self.matcher = matcher
        self.render = render
        self.scores: dict[float, Decimal] = {}

    def __call__(self, deposits: Iterable[Deposit]) -> list[tuple[object, ...]]:
        judge, render = self.matcher.judge, self.render
        ix, policy, scores = self.matcher.ix, self.matcher.policy, self.scores
        out: list[tuple[object, ...]] = []
        for dep in deposits:
            v = judge(dep)
            if render is None:
                out.append((dep.id, dep.amount, _row(v), None, 0))
            else:
                m = _to_match(dep.id, dep.amount, v, ix, policy, scores)
                out.append((dep.id, dep.amount, _row(v), render(m), m.fee_deducted))
        return out


def _pool_child(conn: Connection) -> None:
    work = _POOL_WORK
    assert work is not None
    while True:
        rows = conn.recv()
        if rows is None:
            break
        try:
            start = time.perf_counter()
            entries = work(Deposit(*r) for r in rows)
            conn.send((entries, time.perf_counter() - start))
        except BaseException as exc:  # the parent re-raises it
            conn.send(exc)
            break
    conn.close()


class _Judges:
    """This process plus ``workers - 1`` forked children, each judging a share of a chunk.

    :meth:`start` sends the children their shares, :meth:`finish` judges this process's share
    and collects theirs; between the two the caller reads the next chunk, so that the
    children never wait for the input. The shares are balanced from the times measured on
    the previous chunk: this process also reads the input and spools the verdicts, so it
    judges less (the verdicts do not depend on who judges a deposit)."""

    def __init__(self, work: _Work, workers: int) -> None:
        self.work = work
        self.workers = workers
        self.children: list[tuple[BaseProcess, Connection]] = []
        self.own_share = 1.0 / workers  # of a chunk, judged here
        self._pending: Sequence[Deposit] | None = None  # this process's share, sent chunk
        # Measured on the last chunk: (deposits, seconds) judged here and by the slowest
        # child, seconds waited for the children, and when the chunk was sent.
        self._own = (0, 0.0)
        self._child = (0, 0.0)
        self._wait = 0.0
        self._last_start = 0.0

    def _fork(self) -> None:
        global _POOL_WORK
        ctx = multiprocessing.get_context("fork")
        _POOL_WORK = self.work
        try:
            for _ in range(self.workers - 1):
                ours, theirs = ctx.Pipe(duplex=True)
                proc = ctx.Process(target=_pool_child, args=(theirs,), daemon=True)
                proc.start()
                theirs.close()
                self.children.append((proc, ours))
        finally:
            _POOL_WORK = None

    def start(self, chunk: Sequence[Deposit], parallel: bool) -> None:
        """Send the children their shares of ``chunk`` (none: all of it is judged here)."""
        if not parallel or self.workers < 2:
            self._pending = chunk
            return
        if not self.children:
            self._fork()
        now = time.perf_counter()
        if self._last_start:
            self._balance(now - self._last_start)
        self._last_start = now
        own = round(len(chunk) * self.own_share)
        rest = len(chunk) - own
        shares = len(self.children)
        for k, (_, conn) in enumerate(self.children):
            part = chunk[own + rest * k // shares : own + rest * (k + 1) // shares]
            conn.send([(d.id, d.value_date, d.amount, d.payer_kana) for d in part])
        self._pending = chunk[:own]

    def judge_own(self) -> list[tuple[object, ...]]:
        """Judge this process's share of the chunk :meth:`start` was given."""
        own = self._pending
        assert own is not None
        began = time.perf_counter()
        entries = self.work(own)
        self._own = (len(own), time.perf_counter() - began)
        return entries

    def finish(self, entries: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
        """This process's entries followed by the children's, in chunk order."""
        self._pending = None
        if not self.children:
            return entries
        began = time.perf_counter()
        slowest = (0, 0.0)
        for _, conn in self.children:
            result = conn.recv()
            if isinstance(result, BaseException):
                raise result
            rows, seconds = result
            entries.extend(rows)
            if seconds >= slowest[1]:
                slowest = (len(rows), seconds)
        self._wait = time.perf_counter() - began
        self._child = slowest
        return entries

    def _balance(self, cycle: float) -> None:
        """This process's share of the next chunk, from the last cycle (start to start):
        its judging plus its other work — reading, spooling — should take as long as a
        child's judging of its share, so that neither waits for the other."""
        (own_count, own_seconds), (child_count, child_seconds) = self._own, self._child
        if own_count == 0 or child_count == 0 or child_seconds <= 0 or own_seconds <= 0:
            return
        other = max(cycle - own_seconds - self._wait, 0.0)
        children = len(self.children)
        own_rate, child_rate = own_seconds / own_count, child_seconds / child_count / children
        total = own_count + child_count * children
        wanted = (total * child_rate - other) / (own_rate + child_rate) / total
        share = min(max(wanted, 0.05), 1.0 / self.workers + 0.25)
        self.own_share = (self.own_share + share) / 2  # damped: the machine may be shared

    def close(self) -> None:
        if self._pending is not None and self.children:
            for _, conn in self.children:  # shares in flight: collect them before stopping
                with contextlib.suppress(OSError, EOFError):
                    conn.recv()
            self._pending = None
        for proc, conn in self.children:
            with contextlib.suppress(OSError):  # a child that died already
                conn.send(None)
            conn.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        self.children = []


# ---- the two passes --------------------------------------------------------------------


def reconcile_stream(
    deposits: Iterable[Deposit],
    items: Sequence[OpenItem],
    *,
    policy: MatchPolicy | None = None,
    payer_links: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[Match]:
    """The matches of :func:`~.engine.reconcile`, one per deposit in input order, with the
    deposits read as a stream (see the module docstring).

    Every deposit is judged before the first match is yielded, so a bad deposit (a
    non-positive amount, a duplicate id: :class:`DomainError`, ``line`` = position from 1) —
    or an error raised by the ``deposits`` iterable itself, such as a bad CSV row — surfaces
    before anything is yielded: a caller writing the matches to an atomic file writes nothing.
    ``workers``: processes (default 2 where ``fork`` exists; the second starts with the
    second chunk, so a small statement is judged in this process only).
    """
    policy = policy or MatchPolicy()
    with tempfile.TemporaryFile() as spool:
        index, claims = _judge_all(
            deposits, items, policy, payer_links or {}, progress, workers, chunk_size, spool, None
        )
        spool.seek(0)
        scores: dict[float, Decimal] = {}
        for deposit_id, amount, row, _, _ in _final_verdicts(spool, claims):
            yield _to_match(deposit_id, amount, _Verdict(*row), index, policy, scores)


class Rendered(NamedTuple):
    """A match as the caller's ``render`` wrote it, with what a summary needs."""

    text: str
    status: MatchStatus
    fee_deducted: int


def reconcile_rendered(
    deposits: Iterable[Deposit],
    items: Sequence[OpenItem],
    render: Callable[[Match], str],
    *,
    policy: MatchPolicy | None = None,
    payer_links: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK,
) -> Iterator[Rendered]:
    """:func:`reconcile_stream` with every match passed through ``render`` (a CSV line, say)
    in the process that judged it: the formatting runs in parallel with the judging instead
    of after it. The text is ``render(match)`` of the final match (a match downgraded for
    competing deposits is rendered again)."""
    policy = policy or MatchPolicy()
    with tempfile.TemporaryFile() as spool:
        index, claims = _judge_all(
            deposits,
            items,
            policy,
            payer_links or {},
            progress,
            workers,
            chunk_size,
            spool,
            render,
        )
        spool.seek(0)
        scores: dict[float, Decimal] = {}
        for deposit_id, amount, row, text, fee in _final_verdicts(spool, claims):
            if text is None:  # downgraded: render the final match
                m = _to_match(deposit_id, amount, _Verdict(*row), index, policy, scores)
                yield Rendered(render(m), m.status, m.fee_deducted)
            else:
                yield Rendered(text, row[0], fee)


def _judge_all(
    deposits: Iterable[Deposit],
    items: Sequence[OpenItem],
    policy: MatchPolicy,
    payer_links: Mapping[str, str],
    progress: Callable[[int], None] | None,
    workers: int | None,
    chunk_size: int,
    spool: IO[bytes],
    render: Callable[[Match], str] | None,
) -> tuple[_Index, bytearray]:
    """Pass 1: judge every deposit, spool the verdicts, count the automatic claims per item."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of long-lived containers, no garbage: see engine.reconcile
    if workers is None:
        workers = 2 if "fork" in multiprocessing.get_all_start_methods() else 1
    judges: _Judges | None = None
    try:
        index = _Index(items, policy)
        judges = _Judges(_Work(_Matcher(index, policy, payer_links), render), workers)
        claims = bytearray(len(items))  # automatic matches per item, capped at 2
        ids = DuplicateFinder()
        position = 0
        stream = iter(deposits)
        chunks = 0
        auto = MatchStatus.AUTO
        chunk = list(islice(stream, chunk_size))
        while chunk:
            for n, dep in enumerate(chunk, start=position):
                _check_amount(dep, n)
                ids.add(dep.id)
            judges.start(chunk, parallel=chunks > 0)
            own = judges.judge_own()
            # The next chunk is read while the children judge their shares of this one.
            following = list(islice(stream, chunk_size))
            entries = judges.finish(own)
            chunks += 1
            for entry in entries:
                row = entry[2]
                if row[0] is auto:  # type: ignore[index]
                    for i in row[2]:  # type: ignore[index]
                        if claims[i] < 2:
                            claims[i] += 1
            pickle.dump(entries, spool, protocol=pickle.HIGHEST_PROTOCOL)
            position += len(chunk)
            if progress is not None:
                progress(len(chunk))
            chunk = following
        suspects = ids.suspects()
        if suspects:
            spool.seek(0)
            dup = DuplicateFinder.first_duplicate(
                (row[0] for rows in _spooled(spool) for row in rows), suspects
            )
            if dup is not None:
                raise DomainError(
                    "reconciliation.duplicate_deposit",
                    f"入金のID {dup[1]} が重複しています",
                    field="deposit_id",
                    line=dup[0] + 1,
                )
        return index, claims
    finally:
        if judges is not None:
            judges.close()
        if gc_was_enabled:
            gc.enable()


def _spooled(spool: IO[bytes]) -> Iterator[list[tuple]]:  # type: ignore[type-arg]
    while True:
        try:
            yield pickle.load(spool)  # noqa: S301 # nosec B301 # our own temporary file, written above
        except EOFError:
            return


def _final_verdicts(
    spool: IO[bytes], claims: bytearray
) -> Iterator[tuple[str, int, _VerdictRow, str | None, int]]:
    """Pass 2: the spooled entries (verdicts as :func:`_row` tuples) with competing automatic
    matches downgraded (their rendered text dropped: it shows the status before the
    downgrade)."""
    auto = MatchStatus.AUTO
    for entries in _spooled(spool):
        for entry in entries:
            deposit_id, amount, row, text, fee = cast(
                tuple[str, int, _VerdictRow, str | None, int], entry
            )
            if row[0] is auto and any(claims[i] > 1 for i in row[2]):
                v = _Verdict(*row)
                v.status = MatchStatus.SUGGESTED
                v.reason = Reason.COMPETING_DEPOSITS
                row, text = _row(v), None
            yield deposit_id, amount, row, text, fee
