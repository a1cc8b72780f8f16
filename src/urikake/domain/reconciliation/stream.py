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

Two processes from the first chunk on when there is a second one (``fork``; the children are
forked once, after the index is built, and keep their caches from chunk to chunk).
:func:`reconcile_to_file` (the command's path) has every process write the lines of the
deposits it judged to a spool file of its own; the result file is assembled from byte ranges
of the spools, so pass 2 costs a copy, not a re-read of every verdict.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle  # nosec B403 # only our own temporary spool file is read back
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import IO, Any, BinaryIO, NamedTuple, TypeVar, cast

import numpy as np

from urikake.domain.errors import DomainError
from urikake.domain.reconciliation.engine import (
    _Index,
    _match_fields,
    _Matcher,
    _to_match,
    _Verdict,
)
from urikake.domain.reconciliation.types import (
    REASONS_JA,
    Deposit,
    Match,
    MatchPolicy,
    MatchStatus,
    OpenItem,
    Reason,
)

__all__ = [
    "CHUNK",
    "DuplicateFinder",
    "Summary",
    "reconcile_stream",
    "reconcile_to_file",
]

_T = TypeVar("_T")

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

_POOL_WORK: _Work | _WriteWork | None = None  # the forked children read it from here


# A verdict as the spool keeps it (the fields of _Verdict, in order).
_VerdictRow = tuple[MatchStatus, Reason, tuple[int, ...], int, bool, float | None, int]


def _row(v: _Verdict) -> _VerdictRow:
    return (v.status, v.reason, v.items, v.total, v.partial, v.score, v.candidates)


class _Work:
    """What every process does with its share of a chunk: judge each deposit. One entry per
    deposit: ``(id, amount, verdict row, None, 0)`` (the shape of the spool)."""

    def __init__(self, matcher: _Matcher) -> None:
        self.matcher = matcher

    def __call__(self, deposits: Iterable[Deposit]) -> list[tuple[object, ...]]:
        judge = self.matcher.judge
        return [(dep.id, dep.amount, _row(judge(dep)), None, 0) for dep in deposits]


class _WriteWork:
    """What every process does with its share of a chunk when the result goes to a file:
    judge each deposit, render its match and append the line to this process's own spool
    file — nothing but a byte count goes back to the parent, which at the end copies the
    spools' byte ranges into the output in input order. Each process counts its automatic
    claims per item and keeps its automatic verdicts, so that a match downgraded for
    competing deposits (known only when every process is done) is rendered again where it
    was judged (:meth:`downgrade`)."""

    def __init__(self, matcher: _Matcher, render: Callable[[Match], str], spool: IO[bytes]):
        self.matcher = matcher
        self.render = render
        # A renderer that formats a match from its fields (csvio.MatchLines) is given them
        # without the Match object: building it cost ~1.5 µs a deposit.
        self.render_fields: Callable[..., str] | None = getattr(render, "fields", None)
        self.spool = spool  # a forked child is given its own (see _Judges._fork)
        self.scores: dict[float, Decimal] = {}
        self.written = 0  # bytes in this process's spool
        self.claims = bytearray(len(matcher.ix.ids))  # automatic matches per item, ≤ 2
        # Automatic verdicts: (offset of the line in the spool, its length, id, amount, row).
        self.autos: list[tuple[int, int, str, int, _VerdictRow]] = []
        self.counts = dict.fromkeys(MatchStatus, 0)
        self.fees = 0  # deducted fees of the automatic matches

    def __call__(self, deposits: Iterable[Deposit]) -> int:
        judge, claims = self.matcher.judge, self.claims
        ix, policy, scores = self.matcher.ix, self.matcher.policy, self.scores
        auto, counts, autos = MatchStatus.AUTO, self.counts, self.autos
        render, render_fields = self.render, self.render_fields
        lines: list[bytes] = []
        position = self.written
        for dep in deposits:
            v = judge(dep)
            if render_fields is not None:
                item_ids, allocations, difference, fee, score = _match_fields(
                    dep.amount, v, ix, policy, scores
                )
                text = render_fields(
                    dep.id,
                    v.status,
                    item_ids,
                    allocations,
                    difference,
                    fee,
                    v.reason,
                    REASONS_JA[v.reason],
                    score,
                )
            else:
                m = _to_match(dep.id, dep.amount, v, ix, policy, scores)
                text, fee = render(m), m.fee_deducted
            line = text.encode()
            if v.status is auto:
                autos.append((position, len(line), dep.id, dep.amount, _row(v)))
                for i in v.items:
                    if claims[i] < 2:
                        claims[i] += 1
                self.fees += fee
            counts[v.status] += 1
            lines.append(line)
            position += len(line)
        self.spool.write(b"".join(lines))
        self.spool.flush()  # the parent reads the file by its descriptor
        size, self.written = position - self.written, position
        return size

    def downgrade(self, claims: bytes | bytearray) -> list[tuple[int, int, bytes]]:
        """The lines to replace, ``(offset, length, new line)``: automatic matches whose
        items another automatic match claims too (``claims``: all processes' counts)."""
        ix, policy, scores = self.matcher.ix, self.matcher.policy, self.scores
        patches: list[tuple[int, int, bytes]] = []
        for offset, length, deposit_id, amount, row in self.autos:
            if any(claims[i] > 1 for i in row[2]):
                v = _Verdict(*row)
                v.status = MatchStatus.SUGGESTED
                v.reason = Reason.COMPETING_DEPOSITS
                m = _to_match(deposit_id, amount, v, ix, policy, scores)
                patches.append((offset, length, self.render(m).encode()))
                self.counts[MatchStatus.AUTO] -= 1
                self.counts[MatchStatus.SUGGESTED] += 1
                self.fees -= m.fee_deducted
        self.autos = []
        return patches


def _pool_child(conn: Connection, spool: IO[bytes] | None) -> None:
    work = _POOL_WORK
    assert work is not None
    if spool is not None:
        assert isinstance(work, _WriteWork)
        work.spool, work.written = spool, 0
    while True:
        rows = conn.recv()
        if rows is None:
            break
        try:
            if isinstance(rows, tuple):  # the end of a written run: see _Judges.collect
                assert isinstance(work, _WriteWork)
                if rows[0] == "claims":
                    conn.send(bytes(work.claims))
                else:
                    conn.send((work.downgrade(rows[1]), work.counts, work.fees))
                continue
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

    def __init__(self, work: _Work | _WriteWork, workers: int) -> None:
        self.work = work
        self.workers = workers
        self.children: list[tuple[BaseProcess, Connection]] = []
        # A written run: each child's spool (opened here, before the fork, so that this
        # process can read what the child wrote) and where each share of each chunk is.
        self.spools: list[IO[bytes]] = []
        self.segments: list[
            tuple[int, int, int]
        ] = []  # (spool: 0 = own, k = child k; offset, size)
        self._written = [0]
        self.own_share = 1.0 / workers  # of a chunk, judged here
        self._pending: Sequence[Deposit] | None = None  # this process's share, sent chunk
        # Measured on the last chunk: (deposits, seconds) judged here and by the slowest
        # child, seconds waited for the children, and when the chunk was sent.
        self._own = (0, 0.0)
        self._child = (0, 0.0)
        self._wait = 0.0
        self._last_start = 0.0
        self._sent: list[int] = []  # deposits sent to each child with the last chunk

    def _fork(self) -> None:
        global _POOL_WORK
        ctx = multiprocessing.get_context("fork")
        _POOL_WORK = self.work
        try:
            for _ in range(self.workers - 1):
                ours, theirs = ctx.Pipe(duplex=True)
                spool = None
                if isinstance(self.work, _WriteWork):
                    spool = tempfile.TemporaryFile()  # noqa: SIM115 # closed in close()
                    self.spools.append(spool)
                    self._written.append(0)
                proc = ctx.Process(target=_pool_child, args=(theirs, spool), daemon=True)
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
        self._sent = []
        for k, (_, conn) in enumerate(self.children):
            part = chunk[own + rest * k // shares : own + rest * (k + 1) // shares]
            conn.send([(d.id, d.value_date, d.amount, d.payer_kana) for d in part])
            self._sent.append(len(part))
        self._pending = chunk[:own]

    def judge_own(self) -> Any:
        """Judge this process's share of the chunk :meth:`start` was given: its entries, or
        (a written run) the bytes it wrote."""
        own = self._pending
        assert own is not None
        began = time.perf_counter()
        entries = self.work(own)
        self._own = (len(own), time.perf_counter() - began)
        if isinstance(entries, int):
            self._segment(0, entries)
        return entries

    def _segment(self, spool: int, size: int) -> None:
        if size:
            self.segments.append((spool, self._written[spool], size))
            self._written[spool] += size

    def finish(self, entries: Any) -> Any:
        """This process's entries followed by the children's, in chunk order (a written
        run: where the children's shares are is noted in :attr:`segments`)."""
        self._pending = None
        if not self.children:
            return entries
        began = time.perf_counter()
        slowest = (0, 0.0)
        for k, (_, conn) in enumerate(self.children, start=1):
            result = conn.recv()
            if isinstance(result, BaseException):
                raise result
            rows, seconds = result
            if isinstance(rows, int):
                self._segment(k, rows)
                done = self._sent[k - 1]
            else:
                entries.extend(rows)
                done = len(rows)
            if seconds >= slowest[1]:
                slowest = (done, seconds)
        self._wait = time.perf_counter() - began
        self._child = slowest
        return entries

    def collect(self) -> tuple[list[list[tuple[int, int, bytes]]], dict[MatchStatus, int], int]:
        """The end of a written run: every process's claims added up, then each process's
        lines to replace (per spool, own first), and the counts per status and the fees of
        the automatic matches over all processes."""
        work = self.work
        assert isinstance(work, _WriteWork)
        total = np.frombuffer(work.claims, dtype=np.uint8).copy()
        for _, conn in self.children:
            conn.send(("claims",))
        for _, conn in self.children:
            theirs = conn.recv()
            if isinstance(theirs, BaseException):
                raise theirs
            total += np.frombuffer(theirs, dtype=np.uint8)  # ≤ 2 each: no overflow
        claims = total.tobytes()
        for _, conn in self.children:
            conn.send(("final", claims))
        patches = [work.downgrade(claims)]
        counts, fees = dict(work.counts), work.fees
        for _, conn in self.children:
            result = conn.recv()
            if isinstance(result, BaseException):
                raise result
            theirs, their_counts, their_fees = result
            patches.append(theirs)
            for status, n in their_counts.items():
                counts[status] += n
            fees += their_fees
        return patches, counts, fees

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
        for spool in self.spools:
            spool.close()
        self.spools = []


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
            deposits,
            items,
            policy,
            payer_links or {},
            progress,
            workers,
            chunk_size,
            spool,
            _Work,
            lambda judges, index, claims: (index, claims),
        )
        spool.seek(0)
        scores: dict[float, Decimal] = {}
        for deposit_id, amount, row, _, _ in _final_verdicts(spool, claims):
            yield _to_match(deposit_id, amount, _Verdict(*row), index, policy, scores)


class Summary(NamedTuple):
    """What :func:`reconcile_to_file` wrote: matches per status, and the transfer fees the
    payers deducted from the automatic matches."""

    counts: dict[MatchStatus, int]
    fees: int


def reconcile_to_file(
    deposits: Iterable[Deposit],
    items: Sequence[OpenItem],
    render: Callable[[Match], str],
    out: BinaryIO,
    *,
    policy: MatchPolicy | None = None,
    payer_links: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    chunk_size: int = CHUNK,
) -> Summary:
    """Write ``render(match)`` (UTF-8) of every match of :func:`reconcile_stream` to ``out``,
    in input order — the same bytes as writing the stream's matches one by one.

    Each process renders the matches it judges and appends them to a spool file of its
    own; at the end the spools are copied into ``out`` range by range, with the lines of
    matches downgraded for competing deposits rendered again by the process that judged
    them. So neither the verdicts nor the lines travel between the processes, and nothing
    is read back line by line. Nothing is written to ``out`` before every deposit is judged
    (errors: as :func:`reconcile_stream`)."""
    policy = policy or MatchPolicy()
    with tempfile.TemporaryFile() as ids_spool, tempfile.TemporaryFile() as own_spool:

        def write(judges: _Judges, index: _Index, claims: bytearray) -> Summary:
            patches, counts, fees = judges.collect()
            out.flush()
            spools = [own_spool, *judges.spools]
            for spool in spools:
                spool.flush()
            _assemble(out, [sp.fileno() for sp in spools], judges.segments, patches)
            return Summary(counts, fees)

        return _judge_all(
            deposits,
            items,
            policy,
            payer_links or {},
            progress,
            workers,
            chunk_size,
            ids_spool,
            lambda matcher: _WriteWork(matcher, render, own_spool),
            write,
        )


_COPY_BLOCK = 1 << 22


def _assemble(
    out: BinaryIO,
    spools: Sequence[int],
    segments: Sequence[tuple[int, int, int]],
    patches: Sequence[Sequence[tuple[int, int, bytes]]],
) -> None:
    """Copy the ``segments`` (spool, offset, size) of the ``spools`` (descriptors, read with
    ``pread``: a forked child shares the file position) to ``out`` in order, replacing
    the byte ranges of ``patches`` (per spool, ``(offset, length, new bytes)`` by offset)."""
    pending = [iter(sorted(p)) for p in patches]
    upcoming = [next(it, None) for it in pending]
    for spool, offset, size in segments:
        fd, end = spools[spool], offset + size
        while offset < end:
            patch = upcoming[spool]
            stop = end if patch is None or patch[0] >= end else patch[0]
            while offset < stop:
                block = os.pread(fd, min(_COPY_BLOCK, stop - offset), offset)
                if not block:
                    raise OSError("spool file shorter than written")
                out.write(block)
                offset += len(block)
            if patch is not None and patch[0] == offset < end:
                out.write(patch[2])
                offset += patch[1]
                upcoming[spool] = next(pending[spool], None)


def _judge_all(
    deposits: Iterable[Deposit],
    items: Sequence[OpenItem],
    policy: MatchPolicy,
    payer_links: Mapping[str, str],
    progress: Callable[[int], None] | None,
    workers: int | None,
    chunk_size: int,
    spool: IO[bytes],
    make_work: Callable[[_Matcher], _Work | _WriteWork],
    done: Callable[[_Judges, _Index, bytearray], _T],
) -> _T:
    """Pass 1: judge every deposit (a :class:`_Work` spools the verdicts and the claims are
    counted here; a :class:`_WriteWork` writes the lines in each process and only the ids go
    to ``spool``, for the duplicate check), then ``done(judges)`` before the children stop.

    The children are forked before the first chunk is judged when there is a second one
    (a statement of one chunk is judged in this process only)."""
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of long-lived containers, no garbage: see engine.reconcile
    if workers is None:
        workers = 2 if "fork" in multiprocessing.get_all_start_methods() else 1
    judges: _Judges | None = None
    try:
        index = _Index(items, policy)
        work = make_work(_Matcher(index, policy, payer_links))
        judges = _Judges(work, workers)
        written = isinstance(work, _WriteWork)
        ids = DuplicateFinder()
        position = 0
        stream = iter(deposits)
        auto = MatchStatus.AUTO
        claims = bytearray(len(index.ids))  # automatic matches per item, capped at 2
        chunk = list(islice(stream, chunk_size))
        following = list(islice(stream, chunk_size)) if chunk else []
        parallel = bool(following)
        while chunk:
            for n, dep in enumerate(chunk, start=position):
                _check_amount(dep, n)
                ids.add(dep.id)
            judges.start(chunk, parallel=parallel)
            own = judges.judge_own()
            # The chunk after next is read while the children judge their shares of this one.
            after = list(islice(stream, chunk_size)) if following else []
            entries = judges.finish(own)
            if written:
                pickle.dump([d.id for d in chunk], spool, protocol=pickle.HIGHEST_PROTOCOL)
            else:
                for entry in entries:
                    row = entry[2]
                    if row[0] is auto:
                        for i in row[2]:
                            if claims[i] < 2:
                                claims[i] += 1
                pickle.dump(entries, spool, protocol=pickle.HIGHEST_PROTOCOL)
            position += len(chunk)
            if progress is not None:
                progress(len(chunk))
            chunk, following = following, after
        suspects = ids.suspects()
        if suspects:
            spool.seek(0)
            dup = DuplicateFinder.first_duplicate(
                (
                    cast(str, row if written else row[0])  # an id, or an entry starting with it
                    for rows in _spooled(spool)
                    for row in rows
                ),
                suspects,
            )
            if dup is not None:
                raise DomainError(
                    "reconciliation.duplicate_deposit",
                    f"入金のID {dup[1]} が重複しています",
                    field="deposit_id",
                    line=dup[0] + 1,
                )
        return done(judges, index, claims)
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
