"""Payer name ↔ debtor name matching, shared by screening and reconciliation.

Use this module to decide whether two names **denote the same party**: a deposit's 振込依頼人名
against a debtor's name, a 受取人名 returned by the bank against our master data. To produce
a name for a bank file, use :mod:`urikake.domain.zengin_charset` instead (strict, raises).

What bank data does to names, and how we cope:

* Half-width kana with 法人略語 in any position and spelling: ``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``,
  ``ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ``, ``ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ``, ``ﾔﾏﾀﾞｼﾖｳｼﾞ ｶﾌﾞｼｷｶﾞｲｼﾔ`` — :func:`normalize_name`
  strips them (and 株式会社 / ㈱ / かぶしきがいしゃ in master data) and keeps the legal form
  aside.
* Truncation at the field width (振込依頼人名: 48 bytes in 入出金明細; 受取人名: 30 in 総合振込;
  see e.g. https://biz.corporate.bk.mufg.jp/faq/show/811). Pass the width as
  ``truncated_at`` and a payer name that filled it matches any debtor name it is a prefix of.
* Lost voiced marks (``ﾔﾏﾀ`` for ``ﾔﾏﾀﾞ``), small kana written large, spaces anywhere: the
  conversion enlarges small kana (both sides), keys drop spaces and ``( ) - . /``, and
  :attr:`NormalizedName.loose_key` drops ``ﾞ ﾟ``.

Debtor master data should be given as its **kana reading**: kanji cannot be converted and are
dropped from keys (a name of kanji only has an empty key and matches nothing).

Score scale of :func:`name_similarity` (thresholds for callers: ``>= STRONG_MATCH`` (0.9) is
a strong match, ``POSSIBLE_MATCH`` (0.75) to 0.9 a possible one for a person to confirm):

======================  ====================================================================
1.0                     same key
0.97                    payer name truncated at the width, and a prefix of the other key
0.93                    same key except for ﾞ/ﾟ (dakuten lost)
0.91                    truncated and a prefix, except for ﾞ/ﾟ
below 0.9               ``0.9 x`` rapidfuzz's normalised Indel ratio of the keys (the better
                        of the exact and the ﾞ/ﾟ-insensitive keys); at least 0.81 when one
                        key of 6+ characters is a prefix of the other (a branch name added)
−0.05                   when both names carry a legal form and they differ (ｶ vs ﾕ)
0.0                     either key empty
======================  ====================================================================
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from urikake.domain.zengin_charset import (
    LEGAL_FORMS,
    LegalForm,
    split_legal_forms,
    zengin_lenient,
)

__all__ = [
    "POSSIBLE_MATCH",
    "STRONG_MATCH",
    "NormalizedName",
    "match_names",
    "name_similarity",
    "normalize_name",
    "normalized_similarity",
]

STRONG_MATCH = 0.9
POSSIBLE_MATCH = 0.75

_EXACT = 1.0
_TRUNCATED = 0.97
_DAKUTEN = 0.93
_DAKUTEN_TRUNCATED = 0.91
_FUZZY_SCALE = 0.9  # fuzzy scores stay below every structural tier
_CONTAINED_RATIO = 0.9  # → 0.81: one name is the other plus words (a branch, 代表者名)
_LEGAL_FORM_MISMATCH = 0.05

# A truncated payer key must keep this many characters to count as a match by prefix:
# shorter prefixes (ﾔﾏﾀﾞ) are shared by too many unrelated companies.
MIN_TRUNCATED_KEY = 8
_MIN_CONTAINED_KEY = 6
# Names that fill the field often end in a cut-off legal-form reading (…ｶﾌﾞｼｷｶﾞｲ); we try
# the key without such a tail when it is at least this long.
_MIN_READING_TAIL = 3

_CACHE_SIZE = 65536  # ≈ 30 MB at most; debtor masters and repeat payers fit

# ---------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------

# Abbreviations as banks print them. Also ｷﾞﾖｳ for 行政書士法人: some tables write it so.
_ABBREVIATIONS: dict[str, LegalForm] = {}
for _form in LEGAL_FORMS:
    _ABBREVIATIONS.setdefault(_form.abbreviation, _form)
_ABBREVIATIONS.setdefault("ｷﾞﾖｳ", _ABBREVIATIONS["ｷﾞﾖ"])

_ABBR = "|".join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))
_WORD = "[A-Zｦ-ﾟ]"  # a letter or kana (incl. ﾞﾟ); digits may precede ｶ) (payer codes)
_ABBR_RE = re.compile(
    rf"\((?P<mid>{_ABBR})\)"  # ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ
    rf"|(?<!{_WORD})(?P<pre>{_ABBR})\)"  # ｶ)ﾔﾏﾀﾞ — not the end of a word: ﾀﾛｳ) is no ｳ)
    rf"|\((?P<suf>{_ABBR})(?!{_WORD})"  # ﾔﾏﾀﾞ(ｶ — not the start of a word: (ｶﾌﾞ is no (ｶ
)
_KEY_DROP = str.maketrans("", "", " ()-./")
_MARKS_DROP = str.maketrans("", "", "ﾞﾟ")

# Prefixes (>= _MIN_READING_TAIL) of every legal-form reading, as they appear in keys.
_READING_PREFIXES: frozenset[str] = frozenset(
    z[:n]
    for form in LEGAL_FORMS
    for z in (zengin_lenient(r).translate(_KEY_DROP) for r in form.readings)
    for n in range(_MIN_READING_TAIL, len(z) + 1)
)
_MAX_READING = max(map(len, _READING_PREFIXES))


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A name reduced to its matching keys.

    ``key``: the core name in 全銀 characters without legal-form words or abbreviations,
    spaces or ``( ) - . /`` (``ﾔﾏﾀﾞｼﾖｳｼﾞ``). ``loose_key``: ``key`` without ``ﾞ ﾟ``.
    ``legal_form``: the bank abbreviation of the first legal form found (``"ｶ"``), offices
    (営業所…) not counted, or None. ``width``: length of the converted input in half-width
    characters (= bytes in a bank file), trailing spaces ignored — compared with the field
    width to tell whether the name was cut.
    """

    key: str
    loose_key: str
    legal_form: str | None
    width: int


@functools.lru_cache(maxsize=_CACHE_SIZE)
def normalize_name(s: str) -> NormalizedName:
    """Reduce a name (any script, bank abbreviations or not) to its matching keys. Cached."""
    legal_form: str | None = None
    parts: list[str] = []
    for token in split_legal_forms(s, lenient=True):
        if isinstance(token, str):
            parts.append(token)
        elif legal_form is None and not token.is_office:
            legal_form = token.abbreviation
    # Join with spaces so that the look-arounds of _ABBR_RE see a word boundary.
    text = " ".join(parts)
    if "(" in text or ")" in text:
        pieces: list[str] = []
        pos = 0
        for m in _ABBR_RE.finditer(text):
            form = _ABBREVIATIONS[m.group("mid") or m.group("pre") or m.group("suf")]
            if legal_form is None and not form.is_office:
                legal_form = form.abbreviation
            pieces.append(text[pos : m.start()])
            pos = m.end()
        pieces.append(text[pos:])
        text = " ".join(pieces)
    key = text.translate(_KEY_DROP)
    width = len(zengin_lenient(s).rstrip(" "))
    return NormalizedName(key, key.translate(_MARKS_DROP), legal_form, width)


# ---------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------


def _without_reading_tail(key: str) -> str:
    """``key`` without a cut-off legal-form reading at its end (…ｶﾌﾞｼｷｶﾞｲ), if it has one."""
    for n in range(min(_MAX_READING, len(key)), _MIN_READING_TAIL - 1, -1):
        if key[-n:] in _READING_PREFIXES:
            return key[:-n]
    return key


def _is_truncation_of(payer_key: str, other_key: str) -> bool:
    if len(payer_key) >= MIN_TRUNCATED_KEY and other_key.startswith(payer_key):
        return True
    shorter = _without_reading_tail(payer_key)
    return (
        shorter != payer_key and len(shorter) >= MIN_TRUNCATED_KEY and other_key.startswith(shorter)
    )


def _fuzzy_ratio(p: NormalizedName, c: NormalizedName) -> float:
    return max(fuzz.ratio(p.key, c.key), fuzz.ratio(p.loose_key, c.loose_key)) / 100.0


def _score(p: NormalizedName, c: NormalizedName, truncated: bool, ratio: float | None) -> float:
    """The scale of the module docstring; ``ratio`` is :func:`_fuzzy_ratio` if known."""
    if not p.key or not c.key:
        return 0.0
    if p.key == c.key:
        score = _EXACT
    elif truncated and _is_truncation_of(p.key, c.key):
        score = _TRUNCATED
    elif p.loose_key == c.loose_key:
        score = _DAKUTEN
    elif truncated and _is_truncation_of(p.loose_key, c.loose_key):
        score = _DAKUTEN_TRUNCATED
    else:
        r = _fuzzy_ratio(p, c) if ratio is None else ratio
        short, long_ = (p.key, c.key) if len(p.key) <= len(c.key) else (c.key, p.key)
        if len(short) >= _MIN_CONTAINED_KEY and long_.startswith(short):
            r = max(r, _CONTAINED_RATIO)
        score = _FUZZY_SCALE * r
    if p.legal_form and c.legal_form and p.legal_form != c.legal_form:
        score -= _LEGAL_FORM_MISMATCH
    return max(score, 0.0)


def _is_truncated(p: NormalizedName, truncated_at: int | None) -> bool:
    return truncated_at is not None and p.width >= truncated_at


def name_similarity(a: str, b: str, *, truncated_at: int | None = None) -> float:
    """How likely ``a`` and ``b`` name the same party, in [0.0, 1.0] (scale: module docstring).

    ``a`` is the payer side (the name from the bank, possibly cut); ``b`` the debtor side.
    ``truncated_at``: the width of the field ``a`` came from (48 for 振込依頼人名 in
    入出金明細, 30 for 総合振込 受取人名); when ``a`` fills it, ``a`` counts as cut and matches
    ``b`` by prefix. Without it the score is symmetric in ``a`` and ``b``.
    """
    p = normalize_name(a)
    return _score(p, normalize_name(b), _is_truncated(p, truncated_at), None)


def normalized_similarity(
    p: NormalizedName, c: NormalizedName, *, truncated_at: int | None = None
) -> float:
    """:func:`name_similarity` of two names already normalised (``p`` the payer side): for
    callers that keep their own cache of :func:`normalize_name` — a million distinct names
    would thrash its LRU cache."""
    return _score(p, c, _is_truncated(p, truncated_at), None)


def match_names(
    payer: str,
    candidates: Sequence[str],
    *,
    truncated_at: int | None = None,
    limit: int | None = 5,
    score_cutoff: float = 0.0,
) -> list[tuple[int, float]]:
    """The best candidates for ``payer`` as ``(index into candidates, score)``, best first.

    Scores are exactly :func:`name_similarity` ``(payer, candidate, truncated_at=…)``. Ties
    keep the candidates' order. Candidates scoring 0.0 or below ``score_cutoff`` are left
    out; ``limit=None`` returns all the others. The fuzzy ratios of all candidates are
    computed by :mod:`rapidfuzz.process` in C; Python only looks at the cheap structural
    cases (equal keys, prefixes).
    """
    p = normalize_name(payer)
    if not p.key or not candidates:
        return []
    normalized = [normalize_name(c) for c in candidates]
    truncated = _is_truncated(p, truncated_at)
    # Fuzzy scores are 0.9 x ratio at most; ratios that cannot reach the cutoff are skipped
    # (left at 0.0, which only lowers scores that are excluded anyway).
    ratio_cutoff = min(100.0, max(0.0, score_cutoff / _FUZZY_SCALE * 100.0 - 1e-6))
    ratios = [0.0] * len(normalized)
    for keys, query in (
        ([n.key for n in normalized], p.key),
        ([n.loose_key for n in normalized], p.loose_key),
    ):
        for _, ratio, index in process.extract_iter(
            query, keys, scorer=fuzz.ratio, processor=None, score_cutoff=ratio_cutoff
        ):
            ratios[index] = max(ratios[index], ratio / 100.0)
    scored = [
        (i, s)
        for i, n in enumerate(normalized)
        if (s := _score(p, n, truncated, ratios[i])) > 0.0 and s >= score_cutoff
    ]
    scored.sort(key=lambda item: -item[1])  # stable: ties stay in candidate order
    return scored if limit is None else scored[:limit]
