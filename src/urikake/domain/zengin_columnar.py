"""Column-wise (numpy) building blocks for 全銀 fixed-length files at a million records/s.

Bank files are fixed-length records of 1-byte characters, so a file of N records is an
``(N, record length)`` array of bytes and every field is a column of it. Filling or reading a
column for all records at once costs a few numpy passes instead of N Python calls; the
Python-level per-record work that remains is what the domain objects themselves need.

:func:`bulk_zengin_names` is :func:`urikake.domain.zengin_charset.to_zengin` (with
``abbreviate_legal_form=True``), cut and padded to a field, for many names at once. It works
on all the names joined by NUL, as UTF-16 code units and then as the file's bytes, in a
fixed number of numpy passes whatever the names hold:

1. legal-form words written in kanji (株式会社, (株), ㈱ …) are found on the code units by a
   trie walked for all candidate positions at once — the longest word at a position, then
   left to right without overlaps, which is what that module's regular expression (the
   words sorted longest first) finds — and each is replaced by a marker;
2. every code unit becomes its 全銀 spelling (zero, one or two bytes: ガ is ｶﾞ) through a
   table filled from the module's own per-character conversion as characters are met;
3. the kana readings (ｶﾌﾞｼｷｶﾞｲｼﾔ …) are found the same way on the bytes, from the pairs of
   bytes that begin one, and replaced by markers;
4. the abbreviations are placed and the spaces collapsed by the module's rule (``ｶ)``
   first, ``(ｶ`` last, ``(ｶ)`` in the middle, no space against one) on the spaces and
   markers alone, and the bytes are scattered into the ``(N, width)`` field, cut at the
   width as :func:`~urikake.domain.zengin_charset.truncate_zengin` cuts.

What this does not handle is rare and left to ``to_zengin`` itself, name by name: a character
spelled with more than two, a character outside the Basic Multilingual Plane, a NUL, or one
of the code points the markers borrow. Property tests compare the result with ``to_zengin``
on random names.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from itertools import repeat

import numpy as np
import numpy.typing as npt

from urikake.domain import zengin_charset as zc
from urikake.domain.errors import DomainError

__all__ = ["bulk_zengin_names", "put_digits", "put_right_digits"]

U8 = npt.NDArray[np.uint8]
U16 = npt.NDArray[np.uint16]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

# Bytes of the converted stream that are not text. Every byte a 全銀 name is written with is
# ASCII 0x20–0x5A or half-width kana 0xA1–0xDF, so these cannot be confused with one.
_SEP = 0x00  # after every name
_BAD = 0x01  # a character without a 全銀 spelling: the name is refused
_PAD = 0x02  # nothing: dropped when the stream is packed
_SLOW = 0x03  # a character left to to_zengin (see the module docstring)
_UNKNOWN = 0x04  # not in the spelling table yet
_SPACE = 0x20
_MARK = 0xE0  # + the index of an abbreviation: a legal-form word

_ABBREVIATIONS = tuple(dict.fromkeys(f.abbreviation for f in zc.LEGAL_FORMS))
_ABBREVIATION_OF = {f: _ABBREVIATIONS.index(f.abbreviation) for f in zc.LEGAL_FORMS}
if _MARK + len(_ABBREVIATIONS) > 0xFF:  # pragma: no cover - table bug
    raise AssertionError("too many legal-form abbreviations for the marker bytes")
# Code units the written words are replaced by before the spelling table is applied: a
# marker per abbreviation, and one for the word's other characters (spelled as nothing).
# They are private-use characters, which never convert; a name holding one takes the
# per-name path.
_MARK_UNIT = 0xF8E0
_DROP_UNIT = 0xF8FF
_RESERVED = range(_MARK_UNIT, _DROP_UNIT + 1)
if _MARK_UNIT + len(_ABBREVIATIONS) > _DROP_UNIT:  # pragma: no cover - table bug
    raise AssertionError("too many legal-form abbreviations for the marker code units")
_UNITS = 0x10000


class _Trie:
    """Literal words over small integer symbols (1…; 0 is in no word), as flat tables a walk
    reads for many positions at once. A node is named by its row, ``node × symbols``:
    ``step[row + symbol]`` is the row reached (0: no word continues so; the root's row is
    ``symbols``), and ``value[row]`` the value + 1 of the word ending there (0: none)."""

    def __init__(self, words: dict[tuple[int, ...], int], symbols: int) -> None:
        children: list[dict[int, int]] = [{}, {}]
        ends: dict[int, int] = {}
        for word, value in words.items():
            node = 1
            for s in word:
                if s not in children[node]:
                    children[node][s] = len(children)
                    children.append({})
                node = children[node][s]
            ends[node] = value + 1
        self.symbols = symbols
        self.step = np.zeros(len(children) * symbols, dtype=np.int32)
        for node, kids in enumerate(children):
            for s, child in kids.items():
                self.step[node * symbols + s] = child * symbols
        self.value = np.zeros(len(children) * symbols, dtype=np.uint8)
        for node, value in ends.items():
            self.value[node * symbols] = value

    def after(self, word: tuple[int, ...]) -> int:
        """The row reached from the root by ``word`` (0: none)."""
        row = self.symbols
        for s in word:
            row = int(self.step[row + s])
        return row

    def longest(
        self,
        pos: Ints,
        row: npt.NDArray[np.int32],
        done: int,
        symbol_at: Callable[[Ints], npt.NDArray[np.integer]],
        size: int,
    ) -> tuple[Ints, Ints, Ints]:
        """The longest word at each of ``pos`` (``done`` symbols already read, reaching
        ``row``), then the matches a left-to-right scan keeps: starts, lengths, values.

        The stream (``size`` long) must end with a symbol in no word: it stops every walk."""
        best = np.zeros(size, dtype=np.uint8)  # the longest word's length at each start
        value = np.zeros(size, dtype=np.uint8)
        k = done
        while pos.size:
            ends = self.value[row]
            end = np.flatnonzero(ends != 0)
            if end.size:
                best[pos[end]] = k
                value[pos[end]] = ends[end] - 1
            row = self.step[row + symbol_at(pos + k)]
            going = row != 0
            pos, row = np.compress(going, pos), np.compress(going, row)
            k += 1
        starts = np.flatnonzero(best != 0)
        return _left_to_right(starts, best[starts].astype(np.int64), value[starts].astype(np.int64))


def _left_to_right(starts: Ints, lengths: Ints, values: Ints) -> tuple[Ints, Ints, Ints]:
    """The matches a left-to-right scan keeps: one is dropped when it starts inside a kept
    earlier one. Worked out by repeating "kept ⇔ starts after every kept earlier match's
    end", which settles after as many rounds as the longest chain of overlaps (one, or none:
    overlaps are rare); a longer chain is finished in Python."""
    ends = starts + lengths
    if len(starts) < 2 or not (starts[1:] < np.maximum.accumulate(ends)[:-1]).any():
        return starts, lengths, values
    keep = np.ones(len(starts), dtype=np.bool_)
    for _ in range(16):
        reach = np.maximum.accumulate(np.where(keep, ends, -1))
        again = np.concatenate([[True], starts[1:] >= reach[:-1]])
        if (again == keep).all():
            return starts[keep], lengths[keep], values[keep]
        keep = again
    end = -1
    for i, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        keep[i] = s >= end
        if keep[i]:
            end = e
    return starts[keep], lengths[keep], values[keep]


def _written_trie() -> tuple[_Trie, npt.NDArray[np.int32], U8]:
    """The written words over their characters, the row after each code unit as a word's
    first (-1 for the borrowed code units), and the symbol of every code unit."""
    chars = sorted({c for w in zc._WRITTEN for c in w})
    if len(chars) >= 0xFF or max(map(ord, chars)) >= _UNITS:  # pragma: no cover
        raise AssertionError("written legal forms outside what the trie handles")
    symbol = np.zeros(_UNITS, dtype=np.uint8)
    for i, c in enumerate(chars):
        symbol[ord(c)] = i + 1
    words = {tuple(symbol[[ord(c) for c in w]].tolist()): v for w, v in _written_values()}
    trie = _Trie(words, len(chars) + 1)
    first = trie.step[trie.symbols + symbol.astype(np.int64)]
    first[list(_RESERVED)] = -1
    return trie, first, symbol


def _starts(rows: npt.NDArray[np.int32]) -> Bools:
    """Where a row is reached (a word can start here): gathering one byte per position
    costs a quarter of gathering the rows."""
    result: Bools = rows != 0
    return result


def _written_values() -> list[tuple[str, int]]:
    return [(w, _ABBREVIATION_OF[f]) for w, f in zc._WRITTEN.items()]


def _reading_trie() -> tuple[_Trie, U8, npt.NDArray[np.int32], Bools]:
    """The readings over their cp932 bytes, the symbol of every byte, the row after each
    pair of bytes (indexed by ``first | second << 8``, as a little-endian uint16 view of two
    bytes reads it), and the pairs some reading has third and fourth."""
    words = {w.encode("cp932"): _ABBREVIATION_OF[f] for w, f in zc._READINGS.items()}
    if min(map(len, words)) < 5:  # pragma: no cover - the pairs would miss a word
        raise AssertionError("a legal-form reading shorter than five bytes")
    alphabet = sorted({b for w in words for b in w})
    symbol = np.zeros(0x100, dtype=np.uint8)
    symbol[alphabet] = np.arange(1, len(alphabet) + 1)
    trie = _Trie({tuple(symbol[list(w)].tolist()): v for w, v in words.items()}, len(alphabet) + 1)
    pair = np.zeros(_UNITS, dtype=np.int32)
    for b0 in alphabet:
        for b1 in alphabet:
            pair[b0 | b1 << 8] = trie.after((int(symbol[b0]), int(symbol[b1])))
    third = np.zeros(_UNITS, dtype=np.bool_)  # the third and fourth bytes of some reading
    third[[w[2] | w[3] << 8 for w in words]] = True
    return trie, symbol, pair, third


_WRITTEN, _WRITTEN_FIRST, _WRITTEN_SYMBOL = _written_trie()
_WRITTEN_STARTS = _starts(_WRITTEN_FIRST)
_READINGS, _READING_SYMBOL, _READING_PAIR, _READING_THIRD = _reading_trie()
_READING_STARTS = _starts(_READING_PAIR)

# The abbreviation of each marker as written first "ｶ)", last "(ｶ" and in the middle "(ｶ)".
_ABBR_MAX = max(map(len, _ABBREVIATIONS)) + 2
_ABBR_LEN = np.zeros((len(_ABBREVIATIONS), 3), dtype=np.int64)
_ABBR_BYTES = np.zeros((len(_ABBREVIATIONS), 3, _ABBR_MAX), dtype=np.uint8)
for _i, _a in enumerate(_ABBREVIATIONS):
    for _v, _s in enumerate((f"{_a})", f"({_a}", f"({_a})")):
        _ABBR_LEN[_i, _v] = len(_s)
        _ABBR_BYTES[_i, _v, : len(_s)] = np.frombuffer(_s.encode("cp932"), dtype=np.uint8)


def _spelling(unit: int) -> int:
    """A code unit's entry in the spelling table: its 全銀 bytes, first | second << 8."""
    if unit == 0:
        return _SEP | _PAD << 8
    if unit in _RESERVED:
        if unit == _DROP_UNIT:
            return _PAD | _PAD << 8
        return (_MARK + unit - _MARK_UNIT) | _PAD << 8
    if 0xD800 <= unit < 0xE000:  # half of a character beyond the BMP (or a lone one)
        return _SLOW | _PAD << 8
    spelled = zc._CHARS[unit]
    if spelled is None:
        return _BAD | _PAD << 8
    raw = spelled.encode("cp932") + bytes([_PAD, _PAD])
    if len(spelled) > 2:
        return _SLOW | _PAD << 8
    return raw[0] | raw[1] << 8


class _Spellings:
    """Code unit → its 全銀 bytes, for the units met so far (``_UNKNOWN`` for the others).
    Shared by all calls and never changed in place: a call that meets new characters builds
    a larger copy under a lock and publishes it (threads keep using the copy they took)."""

    table: npt.NDArray[np.uint16] = np.full(_UNITS, _UNKNOWN | _PAD << 8, dtype="<u2")
    lock = threading.Lock()

    @classmethod
    def with_units(cls, units: list[int]) -> npt.NDArray[np.uint16]:
        with cls.lock:
            table = cls.table.copy()
            for u in units:
                table[u] = _spelling(u)
            cls.table = table
        return table


_Spellings.with_units([0, *_RESERVED, *(ord(c) for c in zc.ZENGIN_ALLOWED)])


_PAD_BYTE = bytes([_PAD])


def _packed(stream: U8) -> U8:
    """The stream without its ``_PAD`` bytes (bytes.translate: one pass in C, several times
    faster than a numpy mask here)."""
    return np.frombuffer(stream.tobytes().translate(None, _PAD_BYTE), dtype=np.uint8).copy()


def bulk_zengin_names(texts: Sequence[str], width: int, out: U8 | None = None) -> tuple[U8, Bools]:
    """``to_zengin(t, abbreviate_legal_form=True)`` cut to ``width`` and space-padded, as
    cp932 bytes, for every text: an ``(len(texts), width)`` array (``out`` when given, e.g.
    a column of a file's records), and whether each text converted to a non-empty name
    (False: an unconvertible character or nothing left — the caller reports it through the
    per-name path, which names the problem).

    When names repeat a lot (a payout batch pays the same payees many times), each distinct
    name is converted once."""
    if out is None:
        out = np.empty((len(texts), width), dtype=np.uint8)
    repeated = _repeated(texts)
    if repeated is None:
        return out, _bulk(texts, width, out)
    distinct, which = repeated
    fields = np.empty((len(distinct), width), dtype=np.uint8)
    ok = _bulk(distinct, width, fields)
    row = np.dtype((np.void, width))  # a row as one item: numpy moves each at once
    np.take(fields.view(row).reshape(-1), which, out=out.view(row)[:, 0], mode="clip")
    return out, ok[which]


# Names looked at to decide whether to convert each distinct name once, and the most
# distinct names for which that pays: finding them takes two dictionary passes over every
# name, cheap while the dictionary stays in the processor's caches (measured: 100,000
# transfers to 5,000 payees twice as fast; 1,000,000 to 50,000 payees slower than
# converting every name).
_SAMPLE = 4096
_DISTINCT_MAX = 8192


def _repeated(texts: Sequence[str]) -> tuple[list[str], Ints] | None:
    """The distinct texts and, for each text, the index of its own among them — when an even
    sample suggests at most min(n / 4, ``_DISTINCT_MAX``) distinct texts; otherwise None.

    With d distinct texts spread through n, a sample of s shows about d·(1 − e^(−s/d)) of
    them; the decision compares the sample's count with that of the largest d that pays."""
    n = len(texts)
    if n < 4 * _SAMPLE:
        return None
    sample = texts[:: n // _SAMPLE]
    d = min(n / 4, _DISTINCT_MAX)
    if len(set(sample)) >= d * -math.expm1(-len(sample) / d):
        return None
    last = dict(zip(texts, range(n), strict=True))  # each text → its last row (in C)
    rows = np.fromiter(last.values(), np.int64, len(last))
    position = np.empty(n, dtype=np.int64)
    position[rows] = np.arange(len(rows), dtype=np.int64)
    which = position[np.fromiter(map(last.__getitem__, texts), np.int64, n)]
    return list(last), which


# Names per block: small enough that a block's arrays stay in the processor's caches.
_BLOCK = 32768


def _bulk(texts: Sequence[str], width: int, out: U8) -> Bools:
    ok = np.zeros(len(texts), dtype=np.bool_)
    for start in range(0, len(texts), _BLOCK):
        stop = min(start + _BLOCK, len(texts))
        _block(list(texts[start:stop]), width, out[start:stop], ok[start:stop])
    return ok


def _one_by_one(texts: list[str], rows: list[int], width: int, out: U8, ok: Bools) -> None:
    """The rows the column-wise conversion leaves to ``to_zengin``."""
    for i in rows:
        try:
            name = zc.truncate_zengin(zc.to_zengin(texts[i], abbreviate_legal_form=True), width)
        except DomainError:
            out[i] = _SPACE
            ok[i] = False
            continue
        out[i] = np.frombuffer(name.encode("cp932").ljust(width), dtype=np.uint8)
        ok[i] = bool(name)


def _block(texts: list[str], width: int, out: U8, ok: Bools) -> None:
    count = len(texts)
    original = texts
    slow: list[int] = []
    units = _units(texts)
    if np.count_nonzero(units == 0) != count:  # a NUL inside a name would split it
        slow = [i for i, t in enumerate(texts) if "\x00" in t]
        texts = texts.copy()
        for i in slow:
            texts[i] = ""
        units = _units(texts)
    stream = _convert(_mark_written(units, slow), slow)
    stream = _mark_readings(stream)
    bad = _render_into(stream, width, out, ok)
    if bad.size:
        ok[bad] = False
    if slow:
        _one_by_one(original, sorted(set(slow)), width, out, ok)


def _units(texts: list[str]) -> U16:
    """The texts as UTF-16 code units, each followed by a NUL (writable)."""
    encoded = "\x00".join(texts).encode("utf-16-le", "surrogatepass")
    units: U16 = np.empty(len(encoded) // 2 + 1, dtype="<u2")  # (no copy of the joined text)
    units[:-1] = np.frombuffer(encoded, dtype="<u2")
    units[-1] = 0
    return units


def _name_of(stream: npt.NDArray[np.integer], positions: Ints) -> list[int]:
    """The names (0-based, in the block) the positions of a NUL-separated stream fall in."""
    seps = np.flatnonzero(stream == 0)
    return np.searchsorted(seps, positions).tolist()  # type: ignore[no-any-return]


def _mark_written(units: U16, slow: list[int]) -> U16:
    """Written legal-form words replaced by their marker unit (the rest of the word by
    ``_DROP_UNIT``). A name holding a borrowed code unit is added to ``slow``."""
    pos = np.flatnonzero(_WRITTEN_STARTS[units])
    if not pos.size:
        return units
    row = _WRITTEN_FIRST[units[pos]]
    reserved = row < 0
    if reserved.any():
        slow.extend(_name_of(units, pos[reserved]))
        pos, row = pos[~reserved], row[~reserved]

    def symbol_at(at: Ints) -> U8:
        result: U8 = _WRITTEN_SYMBOL[units[at]]
        return result

    starts, lengths, values = _WRITTEN.longest(pos, row, 1, symbol_at, len(units))
    units[starts] = (_MARK_UNIT + values).astype(np.uint16)
    _fill_rest(units, starts, lengths, _DROP_UNIT)
    return units


def _convert(units: U16, slow: list[int]) -> U8:
    """Every code unit through the spelling table, packed. Names with a character left to
    ``to_zengin`` are added to ``slow``; a character without a spelling stays ``_BAD``."""
    table = _Spellings.table
    while True:
        stream = _packed(table[units].view(np.uint8))
        odd = np.flatnonzero((stream - np.uint8(_BAD)) < np.uint8(_UNKNOWN))
        if not odd.size:
            return stream
        kinds = stream[odd]
        if not (kinds == _UNKNOWN).any():
            break
        # New characters (once per process, mostly): fill their entries, convert again.
        spelled = table[units].view(np.uint8)[::2]
        table = _Spellings.with_units(np.unique(units[spelled == _UNKNOWN]).tolist())
    if (kinds == _SLOW).any():
        slow.extend(_name_of(stream, odd[kinds == _SLOW]))
    return stream


def _mark_readings(stream: U8) -> U8:
    """Legal-form readings (ｶﾌﾞｼｷｶﾞｲｼﾔ …) replaced by their marker byte."""
    n = len(stream)
    # Where a reading can start: the pair of bytes there begins one and the pair after it
    # continues one. The pairs at even and at odd positions are two little-endian uint16
    # views of the bytes.
    found = []
    for parity in (0, 1):
        pairs = stream[parity : n - (n - parity) % 2].view("<u2")
        can = _READING_STARTS[pairs[:-1]] & _READING_THIRD[pairs[1:]]
        found.append(np.flatnonzero(can) * 2 + parity)
    pos = np.concatenate(found)
    if not pos.size:
        return stream
    pairs = stream[pos].astype(np.int64) | stream[pos + 1].astype(np.int64) << 8

    def symbol_at(at: Ints) -> U8:
        result: U8 = _READING_SYMBOL[stream[at]]
        return result

    starts, lengths, values = _READINGS.longest(pos, _READING_PAIR[pairs], 2, symbol_at, n)
    if not starts.size:
        return stream
    stream[starts] = (_MARK + values).astype(np.uint8)
    _fill_rest(stream, starts, lengths, _PAD)
    return _packed(stream)


def _fill_rest(stream: npt.NDArray[np.integer], starts: Ints, lengths: Ints, value: int) -> None:
    """``value`` over every match but its first place."""
    k = 1
    while True:
        more = lengths > k
        starts, lengths = np.compress(more, starts), np.compress(more, lengths)
        if not starts.size:
            return
        stream[starts + k] = value
        k += 1


def _render_into(stream: U8, width: int, out: U8, ok: Bools) -> Ints:
    """The names of the stream, abbreviations placed and spaces collapsed as
    zengin_charset._render does, cut at ``width``, into ``out``; ``ok`` set
    where a name is not empty. Returns the names holding a character without a spelling."""
    seps = np.flatnonzero(stream == _SEP)  # one after every name
    spaces = np.flatnonzero(stream == _SPACE)
    marks = np.flatnonzero(stream >= _MARK)
    dropped = _dropped_spaces(stream, spaces)
    variant = _variants(stream, spaces, marks)
    abbr = stream[marks].astype(np.int64) - _MARK
    mark_len = _ABBR_LEN[abbr, variant]
    # Each byte's length in the output (1; 0 for a separator or a space dropped; the
    # abbreviation's for a marker): running sums give each name's length, then — with each
    # separator jumping to the next row — where every byte lands in a flat field of rows of
    # width + 1, the last place of a row taking its separator.
    size = np.ones(len(stream), dtype=np.int32)
    size[dropped] = 0
    size[marks] = mark_len
    size[seps] = 0
    lengths = np.diff(np.cumsum(size, dtype=np.int32)[seps], prepend=0).astype(np.int64)
    ok[:] = lengths > 0
    stride = width + 1
    size[seps] = stride - lengths
    # Where each byte is written: the last place of its output. A marker's byte is
    # overwritten by its abbreviation below; a space dropped, or what lies beyond the width
    # (its row's end), goes to one spare place past the field.
    place = np.subtract(np.cumsum(size, dtype=np.int32), 1, dtype=np.int64)
    count = len(out)
    trash = count * stride
    start = place[marks] + 1 - mark_len  # each abbreviation's first place
    place[dropped] = trash
    row_end = np.arange(count, dtype=np.int64) * stride + width
    long_names = np.flatnonzero(lengths > width)
    if long_names.size:
        name_bytes = np.diff(seps, prepend=-1) - 1
        span = name_bytes[long_names]
        which = np.repeat(np.arange(len(long_names)), span)
        at = np.arange(int(span.sum()), dtype=np.int64) - np.repeat(np.cumsum(span) - span, span)
        at += (seps - name_bytes)[long_names][which]
        end = place[at] + 1  # (a dropped space is at the trash already)
        place[at[end > row_end[long_names][which]]] = trash
    field = np.full(trash + 1, _SPACE, dtype=np.uint8)
    field[place] = stream
    if marks.size:
        limit = start + mark_len
        if long_names.size:
            limit = np.minimum(limit, row_end[np.searchsorted(seps, marks)])
        for k in range(_ABBR_MAX):
            put = np.flatnonzero(start + k < limit)
            field[start[put] + k] = _ABBR_BYTES[abbr[put], variant[put], k]
    out[:] = field[:trash].reshape(count, stride)[:, :width]
    bad = np.flatnonzero(stream == _BAD)
    return np.unique(np.searchsorted(seps, bad)) if bad.size else bad


def _space_runs(spaces: Ints) -> tuple[Ints, Ints]:
    """Runs of consecutive space positions: their starts and ends (exclusive)."""
    if not spaces.size:
        return spaces, spaces
    new = np.flatnonzero(np.diff(spaces) != 1) + 1
    return spaces[np.concatenate([[0], new])], spaces[np.concatenate([new - 1, [-1]])] + 1


def _dropped_spaces(stream: U8, spaces: Ints) -> Ints:
    """The spaces collapsing removes: all but the first of a run, and a run that does not
    lie between two characters of the name (a name's start or end, or a legal form)."""
    if not spaces.size:
        return spaces
    starts, ends = _space_runs(spaces)
    before = np.where(starts > 0, stream[np.maximum(starts - 1, 0)], _SEP)
    after = stream[ends]  # the stream ends with a separator, never with a space
    kept = starts[(before != _SEP) & (before < _MARK) & (after != _SEP) & (after < _MARK)]
    dropped = np.ones(len(spaces), dtype=np.bool_)
    dropped[np.searchsorted(spaces, kept)] = False
    return spaces[dropped]


def _variants(stream: U8, spaces: Ints, marks: Ints) -> Ints:
    """How each marker is written: 0 first (only spaces before it in its name), 1 last (only
    spaces after it), 2 in the middle."""
    if not marks.size:
        return marks
    starts, ends = _space_runs(spaces)
    # The nearest byte before / after each marker that is not a space.
    before = marks - 1
    if spaces.size:
        run = np.searchsorted(ends, marks)  # a run ending right at the marker
        hit = (run < len(ends)) & (ends[np.minimum(run, len(ends) - 1)] == marks)
        before = np.where(hit, starts[np.minimum(run, len(ends) - 1)] - 1, before)
    after = marks + 1
    if spaces.size:
        run = np.searchsorted(starts, marks + 1)
        hit = (run < len(starts)) & (starts[np.minimum(run, len(starts) - 1)] == marks + 1)
        after = np.where(hit, ends[np.minimum(run, len(starts) - 1)], after)
    first = (before < 0) | (stream[np.maximum(before, 0)] == _SEP)
    last = stream[after] == _SEP
    return np.where(first, 0, np.where(last, 1, 2))


# The four ASCII digits of 0…9999 as one little-endian uint32 each: numbers are written four
# digits at a time, by table.
_FOUR_DIGITS = np.frombuffer(
    "".join(f"{k:04d}" for k in range(10_000)).encode("ascii"), dtype="<u4"
).copy()


def put_digits(out: U8, col: int, width: int, values: Ints) -> None:
    """Right-aligned, zero-filled decimal digits of non-negative ``values`` into
    ``out[:, col:col + width]`` (the caller has checked that they fit).

    Four digits at a time from a table of 0…9999, into one contiguous block written with one
    assignment: a column at a time into a row-major buffer touches every row once per digit."""
    groups = -(-width // 4)
    block = np.empty((len(values), groups), dtype="<u4")
    rest = values.astype(np.int64)
    for g in range(groups - 1, -1, -1):
        rest, four = np.divmod(rest, 10_000)
        block[:, g] = _FOUR_DIGITS[four]
    out[:, col : col + width] = block.view(np.uint8)[:, 4 * groups - width :]


def put_right_digits(out: U8, col: int, width: int, texts: Sequence[str]) -> Bools:
    """``text.zfill(width)`` of ASCII-digit strings into ``out[:, col:col + width]``.

    Returns which rows were written: a text that is not ASCII digits or is longer than
    ``width`` is left for the caller's per-record path (its cells stay zeros).
    """
    # The common case, in C: every text zero-filled to exactly the width and all digits
    # (zfill keeps a longer text whole and puts a sign first, so both show).
    filled = "".join(map(str.zfill, texts, repeat(width)))
    if len(filled) == len(texts) * width and filled.isascii():
        digits = np.frombuffer(filled.encode("ascii"), np.uint8).reshape(-1, width)
        if ((digits - np.uint8(0x30)) < 10).all():  # in numpy: str.isdigit is slower
            out[:, col : col + width] = digits
            return np.ones(len(texts), dtype=np.bool_)
    fits = np.array(
        [t.isascii() and (t.isdigit() or not t) and len(t) <= width for t in texts], np.bool_
    )
    good = [t if f else "" for t, f in zip(texts, fits.tolist(), strict=True)]
    put_right_digits(out, col, width, good)
    return fits
