"""Column-wise (numpy) building blocks for 全銀 fixed-length files at a million records/s.

Bank files are fixed-length records of 1-byte characters, so a file of N records is an
``(N, record length)`` array of bytes and every field is a column of it. Filling or reading a
column for all records at once costs a few numpy passes instead of N Python calls; the
Python-level per-record work that remains is what the domain objects themselves need.

:func:`bulk_zengin_names` is :func:`urikake.domain.zengin_charset.to_zengin` (with
``abbreviate_legal_form=True``) for many names at once, on the code points of all names joined
by a separator: legal-form words are found by the same leftmost-longest rule as that module's
regular expressions (so the result is the same, character for character — a property test
compares the two on random names), characters are converted through a table built from the
module's own per-character conversion, and the bank abbreviation is placed by the same rule
as its renderer (``ｶ)`` first, ``(ｶ`` last, ``(ｶ)`` in the middle, spaces collapsed).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
import numpy.typing as npt

from urikake.domain import zengin_charset as zc

__all__ = ["bulk_zengin_names", "put_digits", "put_right_digits"]

U8 = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_SEP = 0  # separates names in the joined text; NUL never converts, so never in a good name
_MARK = 0xF0000  # plane-15 private use: one code point per legal form (LEGAL_FORMS index)
_CODE_POINTS = 0x110000
_SPACE = 0x20


class _Literals:
    """Leftmost-longest search for many literal words at once (what an alternation of the
    words sorted longest first does in :mod:`re`), returning the matches' starts, lengths
    and the id of each word."""

    def __init__(self, words: dict[str, int]) -> None:
        self.first = np.zeros(_CODE_POINTS, dtype=np.bool_)
        self.groups: dict[int, list[tuple[npt.NDArray[np.uint32], int]]] = {}
        pairs: set[int] = set()
        singles: set[int] = set()
        # sorted() is stable: the same order as zengin_charset._alternation.
        for word in sorted(words, key=len, reverse=True):
            cps = np.array([ord(c) for c in word], dtype=np.uint32)
            self.groups.setdefault(int(cps[0]), []).append((cps, words[word]))
            self.first[cps[0]] = True
            if len(word) == 1:
                singles.add(ord(word))
            else:
                pairs.add(ord(word[0]) << 21 | ord(word[1]))
        # The first two characters of every word (one character for the one-character words
        # ㈱, ㍿): a candidate position must start with one of them.
        self.pairs = np.array(sorted(pairs) or [-1], dtype=np.int64)
        self.single = np.zeros(_CODE_POINTS, dtype=np.bool_)
        self.single[list(singles)] = True
        self.longest = max((len(w) for w in words), default=1)

    def find(self, cp: npt.NDArray[np.uint32]) -> tuple[Ints, Ints, Ints]:
        n = len(cp)
        padded = np.concatenate([cp, np.zeros(self.longest, dtype=np.uint32)])
        pos = np.flatnonzero(self.first[cp])
        empty = np.zeros(0, dtype=np.int64)
        if pos.size:
            code = cp[pos].astype(np.int64) << 21 | padded[pos + 1].astype(np.int64)
            j = np.minimum(np.searchsorted(self.pairs, code), len(self.pairs) - 1)
            pos = pos[(self.pairs[j] == code) | self.single[cp[pos]]]
        if not pos.size:
            return empty, empty, empty
        firsts = cp[pos]
        best_len = np.zeros(len(pos), dtype=np.int64)
        best_id = np.zeros(len(pos), dtype=np.int64)
        for first in np.unique(firsts).tolist():
            sel = np.flatnonzero(firsts == first)
            for word, ident in self.groups[first]:
                todo = sel[best_len[sel] == 0]
                if not todo.size:
                    break
                at = pos[todo]
                for k in range(1, len(word)):  # narrow the candidates a character at a time
                    same = padded[at + k] == word[k]
                    todo, at = todo[same], at[same]
                hit = todo[at + len(word) <= n]
                best_len[hit] = len(word)
                best_id[hit] = ident
        found = best_len > 0
        starts, lengths, ids = pos[found].astype(np.int64), best_len[found], best_id[found]
        if len(starts) > 1 and (starts[1:] < (starts + lengths)[:-1]).any():
            # Overlapping candidates (rare): keep what a left-to-right scan keeps.
            keep = np.zeros(len(starts), dtype=np.bool_)
            end = -1
            for i, (s, ln) in enumerate(zip(starts.tolist(), lengths.tolist(), strict=True)):
                if s >= end:
                    keep[i] = True
                    end = s + ln
            starts, lengths, ids = starts[keep], lengths[keep], ids[keep]
        return starts, lengths, ids


def _form_index() -> dict[zc.LegalForm, int]:
    return {form: i for i, form in enumerate(zc.LEGAL_FORMS)}


_FORM_INDEX = _form_index()
_WRITTEN = _Literals({w: _FORM_INDEX[f] for w, f in zc._WRITTEN.items()})
_READINGS = _Literals({w: _FORM_INDEX[f] for w, f in zc._READINGS.items()})
_ABBREVIATION_KMAX = max(len(f.abbreviation) for f in zc.LEGAL_FORMS) + 2
# (form, variant) → the abbreviation as written: 0 first "ｶ)", 1 last "(ｶ", 2 middle "(ｶ)".
_ABBR_LEN = np.zeros((len(zc.LEGAL_FORMS), 3), dtype=np.int64)
_ABBR_CPS = np.zeros((len(zc.LEGAL_FORMS), 3, _ABBREVIATION_KMAX), dtype=np.uint32)
for _i, _f in enumerate(zc.LEGAL_FORMS):
    for _v, _s in enumerate((f"{_f.abbreviation})", f"({_f.abbreviation}", f"({_f.abbreviation})")):
        _ABBR_LEN[_i, _v] = len(_s)
        _ABBR_CPS[_i, _v, : len(_s)] = [ord(c) for c in _s]


def _expand(lengths: Ints) -> tuple[Ints, Ints]:
    """For output position j of a variable-length expansion: its source index and the
    index k within that source's output."""
    total = int(lengths.sum())
    src = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    starts = np.cumsum(lengths) - lengths
    k = np.arange(total, dtype=np.int64) - starts[src]
    return src, k


def _replace(cp: npt.NDArray[np.uint32], found: tuple[Ints, Ints, Ints]) -> npt.NDArray[np.uint32]:
    """Each match replaced by the marker of its legal form."""
    starts, lengths, ids = found
    if not starts.size:
        return cp
    out = cp.copy()
    out[starts] = (_MARK + ids).astype(np.uint32)
    keep = np.ones(len(cp), dtype=np.bool_)
    drop, k = _expand(lengths - 1)
    keep[starts[drop] + 1 + k] = False
    return out[keep]


@dataclass(frozen=True)
class _Table:
    """Code point → its 全銀 spelling (zengin_charset's per-character table) as arrays, for
    the characters met so far (markers and the separator map to themselves; a character
    without a 全銀 form maps to nothing and is flagged). Shared by all calls and never
    changed in place: a call that meets new characters builds a larger copy under a lock and
    publishes it (threads keep using the copy they took)."""

    index: npt.NDArray[np.int32]
    outs: tuple[str | None, ...]
    table: npt.NDArray[np.uint32]
    lens: Ints
    bad: Bools

    @staticmethod
    def of(index: npt.NDArray[np.int32], outs: tuple[str | None, ...]) -> _Table:
        kmax = max([1, *(len(s) for s in outs if s is not None)])
        table = np.zeros((len(outs), kmax), dtype=np.uint32)
        lens = np.zeros(len(outs), dtype=np.int64)
        bad = np.zeros(len(outs), dtype=np.bool_)
        for i, s in enumerate(outs):
            if s is None:
                bad[i] = True
                continue
            lens[i] = len(s)
            table[i, : len(s)] = [ord(c) for c in s]
        return _Table(index, outs, table, lens, bad)

    def with_chars(self, cps: list[int]) -> _Table:
        index = self.index.copy()
        outs = list(self.outs)
        for c in cps:
            if index[c] < 0:
                index[c] = len(outs)
                outs.append(chr(c) if c == _SEP or c >= _MARK else zc._CHARS[c])
        return _Table.of(index, tuple(outs))


_TABLE = _Table.of(np.full(_CODE_POINTS, -1, dtype=np.int32), ())
_TABLE_LOCK = threading.Lock()


def _translate(cp: npt.NDArray[np.uint32], bad: Bools) -> npt.NDArray[np.uint32]:
    """Every character through the table; ``bad`` set where a character has no 全銀 form."""
    global _TABLE
    table = _TABLE
    idx = table.index[cp]
    if (idx < 0).any():
        with _TABLE_LOCK:
            table = _TABLE = _TABLE.with_chars(np.unique(cp[idx < 0]).tolist())
        idx = table.index[cp]
    bad |= table.bad[idx]
    lens = table.lens[idx]
    out: npt.NDArray[np.uint32]
    if table.table.shape[1] == 1 and (lens == 1).all():
        out = table.table[idx, 0]
    else:
        src, k = _expand(lens)
        out = table.table[idx[src], k]
    return out


def _render(v: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Abbreviations placed and spaces collapsed, as zengin_charset._render does per name.

    Worked out on the spaces and markers only (few): a space is kept when it starts a run
    between two ordinary characters; a marker is written first / last / middle by whether
    only spaces separate it from the start / end of its name."""
    n = len(v)
    vp = np.concatenate([v, np.array([_SEP], dtype=np.uint32)])  # v[n] reads as the end
    sp = np.flatnonzero(v == _SPACE)
    marks = np.flatnonzero(v >= _MARK)
    if not sp.size and not marks.size:
        return v
    # Runs of spaces: [run_start, run_end).
    if sp.size:
        new_run = np.concatenate([[True], np.diff(sp) != 1])
        run_start = sp[new_run]
        run_end = sp[np.concatenate([new_run[1:], [True]])] + 1
    else:
        run_start = run_end = np.zeros(0, dtype=np.int64)

    def ordinary(i: Ints) -> Bools:  # a character of a name: not a boundary, not a marker
        at = vp[np.maximum(i, 0)]
        result: Bools = (i >= 0) & (at != _SEP) & (at < _MARK)
        return result

    def boundary(i: Ints) -> Bools:  # start or end of a name
        result: Bools = (i < 0) | (vp[np.maximum(i, 0)] == _SEP)
        return result

    keep = np.ones(n, dtype=np.bool_)
    if sp.size:
        keep[sp] = False
        good = ordinary(run_start - 1) & ordinary(run_end)
        keep[run_start[good]] = True

    def before(i: Ints) -> Ints:  # nearest non-space index before i (-1: none)
        j = i - 1
        in_run = (j >= 0) & (vp[np.maximum(j, 0)] == _SPACE)
        r = np.searchsorted(run_start, j, side="right") - 1
        return np.where(in_run, run_start[np.maximum(r, 0)] - 1 if run_start.size else j, j)

    def after(i: Ints) -> Ints:  # nearest non-space index after i (n: none)
        j = i + 1
        in_run = vp[j] == _SPACE
        r = np.searchsorted(run_start, j, side="right") - 1
        return np.where(in_run, run_end[np.maximum(r, 0)] if run_start.size else j, j)

    if not marks.size:
        return v[keep]
    variant = np.where(boundary(before(marks)), 0, np.where(boundary(after(marks)), 1, 2))
    form = v[marks].astype(np.int64) - _MARK
    lengths = keep.astype(np.int64)
    lengths[marks] = _ABBR_LEN[form, variant]
    src, k = _expand(lengths)
    out = v[src]
    at = np.flatnonzero(out >= _MARK)
    which = np.searchsorted(marks, src[at])
    out[at] = _ABBR_CPS[form[which], variant[which], k[at]]
    return out


def _to_bytes(cp: npt.NDArray[np.uint32]) -> U8:
    """全銀 characters (ASCII and half-width kana) and separators → their cp932 bytes."""
    kana = cp >= 0xFF61
    return np.where(kana, cp - 0xFF61 + 0xA1, cp).astype(np.uint8)


# Names per block: small enough that a block's arrays stay in the processor's caches.
_BLOCK = 32768


def bulk_zengin_names(texts: Sequence[str], width: int) -> tuple[U8, Bools]:
    """``to_zengin(t, abbreviate_legal_form=True)`` cut to ``width`` and space-padded, as
    cp932 bytes, for every text: an ``(len(texts), width)`` array, and whether each text
    converted to a non-empty name (False: an unconvertible character or nothing left —
    the caller reports it through the per-name path, which names the problem)."""
    count = len(texts)
    out = np.full((count, width), _SPACE, dtype=np.uint8)
    ok = np.zeros(count, dtype=np.bool_)
    for start in range(0, count, _BLOCK):
        stop = min(start + _BLOCK, count)
        _block(texts[start:stop], width, out[start:stop], ok[start:stop])
    return out, ok


def _block(texts: Sequence[str], width: int, out: U8, ok: Bools) -> None:
    count = len(texts)
    joined = "\x00".join(texts)
    try:
        raw = joined.encode("utf-32-le")
    except UnicodeEncodeError:  # a lone surrogate: let the per-name path report it
        return
    cp = np.frombuffer(raw, dtype=np.uint32)
    ok[:] = True
    # A NUL or a plane-15 character inside a name would be read as a separator or a marker;
    # neither converts anyway, so such names only need the per-name path's error.
    reserved = cp >= _MARK
    if int(np.count_nonzero(cp == _SEP)) != count - 1:
        ok[:] = False
        return
    if reserved.any():
        ok[np.cumsum(cp == _SEP)[reserved]] = False
        cp = np.where(reserved, np.uint32(_SPACE), cp)
    cp = _replace(cp, _WRITTEN.find(cp))
    bad = np.zeros(len(cp), dtype=np.bool_)
    converted = _translate(cp, bad)
    if bad.any():
        ok[np.cumsum(cp == _SEP)[bad]] = False
    converted = _replace(converted, _READINGS.find(converted))
    data = _to_bytes(_render(converted))
    seps = data == _SEP
    name = np.cumsum(seps)
    starts = np.concatenate([[0], np.flatnonzero(seps) + 1])
    within = np.arange(len(data), dtype=np.int64) - starts[name]
    lengths = np.diff(np.concatenate([starts, [len(data) + 1]])) - 1
    put = ~seps & (within < width)
    out[name[put], within[put]] = data[put]
    ok &= lengths > 0


def put_digits(out: U8, col: int, width: int, values: Ints) -> None:
    """Right-aligned, zero-filled decimal digits of non-negative ``values`` into
    ``out[:, col:col + width]`` (the caller has checked that they fit).

    The digits are worked out as one contiguous (N, width) block and written with one
    assignment: a column at a time into a row-major buffer touches every row once per digit."""
    places = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values.astype(np.int64)[:, None] // places) % 10
    out[:, col : col + width] = digits.astype(np.uint8) + np.uint8(0x30)


def put_right_digits(out: U8, col: int, width: int, texts: Sequence[str]) -> Bools:
    """``text.zfill(width)`` of ASCII-digit strings into ``out[:, col:col + width]``.

    Returns which rows were written: a text that is not ASCII digits or is longer than
    ``width`` is left for the caller's per-record path (its cells stay zeros).
    """
    joined = "".join(texts)
    if joined.isascii() and (joined.isdigit() or not joined):
        lens = np.array(list(map(len, texts)), dtype=np.int64)
    else:
        good = [t if t.isascii() and t.isdigit() else "" for t in texts]
        valid = np.array([bool(g) or not t for g, t in zip(good, texts, strict=True)], np.bool_)
        return put_right_digits(out, col, width, good) & valid
    fits = lens <= width
    if fits.all():  # the common case: zfill in C, one reshape
        filled = "".join(map(str.zfill, texts, repeat(width))).encode("ascii")
        out[:, col : col + width] = np.frombuffer(filled, dtype=np.uint8).reshape(-1, width)
        return fits
    out[:, col : col + width] = 0x30
    if joined:
        buf = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        row, k = _expand(lens)
        take = fits[row]
        out[row[take], (col + width - lens[row] + k)[take]] = buf[take]
    return fits
