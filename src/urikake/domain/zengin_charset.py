"""The 全銀 character set for names in bank files, and the one kana normaliser that targets it.

Use this module whenever a name is about to be **written into a bank file** (総合振込 受取人名,
委託者名, …) or checked for whether it could be: :func:`to_zengin` is strict — it converts
what can be converted and raises :class:`ZenginCharsetError` (naming the character and its
position) for anything else, so a person can fix the master data. To **compare** names (a
deposit's 振込依頼人名 against a debtor), use :mod:`urikake.domain.name_matching` instead: it
reuses this module's conversion leniently (unconvertible characters are dropped) and also
strips legal-form words and abbreviations.

The character set
-----------------
Bank files use a JIS X 0201 subset (1 character = 1 byte in the file). Banks and their
software vendors publish slightly different lists of what is accepted in name fields (the
全国銀行協会's 全銀協規定形式 is the common ground; see e.g. PCA's summary of it,
https://pca.jp/area_support/manual/kk/Z1sanko/z1_zengin.html, and MUFG BizSTATION's FAQ,
https://biz.corporate.bk.mufg.jp/faq/show/811). We keep the strict intersection our spec
chose, so a name we accept is accepted everywhere:

* digits ``0-9`` and upper-case ``A-Z``;
* half-width katakana ``ｱ``–``ﾝ`` plus ``ｦ``, and the voiced / semi-voiced marks ``ﾞ`` ``ﾟ``
  (each a character of its own: ``ガ`` becomes ``ｶﾞ``, two bytes — this matters for widths);
* space and the symbols ``( ) - . /``.

Not allowed: small kana ``ｧｨｩｪｫｬｭｮｯ`` (written large: ``ｼﾖｳｼﾞ`` for ショウジ), the long-vowel mark
``ｰ`` (written ``-``), lower case, and everything else (``¥ , 「 」 & '`` …). Note that some
banks refuse ``ｦ`` or ``/`` in some fields; we follow our spec and allow both.

法人略語
--------
Banks abbreviate legal-form and office words in names: ``株式会社`` becomes ``ｶ`` written
``ｶ)ﾔﾏﾀﾞ`` when the word comes first, ``ﾔﾏﾀﾞ(ｶ`` when it comes last and ``ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ`` in
the middle, with no space between the abbreviation and the name. The table
(:data:`LEGAL_FORMS`) follows the lists banks publish in their EB / internet-banking manuals,
e.g. 京葉銀行 https://www.keiyobank.co.jp/alpha_dbank/internet/typing.html and 常陽銀行
https://www.joyobank.co.jp/j_help/1901/attention.html.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jaconv

from urikake.domain.errors import DomainError

__all__ = [
    "LEGAL_FORMS",
    "ZENGIN_ALLOWED",
    "LegalForm",
    "ZenginCharsetError",
    "is_zengin_text",
    "split_legal_forms",
    "to_zengin",
    "truncate_zengin",
    "zengin_lenient",
]

_HALF_KATAKANA = "ｦ" + "".join(chr(c) for c in range(ord("ｱ"), ord("ﾝ") + 1))  # U+FF66, U+FF71–9D

ZENGIN_ALLOWED: frozenset[str] = frozenset(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _HALF_KATAKANA + "ﾞﾟ" + " ()-./"
)
"""Every character allowed in a name field of a bank file (see the module docstring)."""


def is_zengin_text(s: str) -> bool:
    """True if every character of ``s`` is in :data:`ZENGIN_ALLOWED` (the empty string is)."""
    return all(c in ZENGIN_ALLOWED for c in s)


class ZenginCharsetError(DomainError):
    """A character that cannot be written in a bank file.

    ``char`` is the offending character of the *input* and ``position`` its 0-based index in
    the input (``text[position] == char``); the message counts from 1 (「3文字目」), as people do.
    """

    def __init__(self, char: str, position: int, *, field: str | None = None) -> None:
        shown = char if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
        super().__init__(
            "zengin.charset",
            f"『{shown}』({position + 1}文字目)は全銀の文字コードに変換できません。"
            "カナで入力してください",
            field=field,
        )
        self.char = char
        self.position = position


# ---------------------------------------------------------------------------------------
# Character conversion
# ---------------------------------------------------------------------------------------

# Characters jaconv/NFKC do not map to what bank files want. Applied both to the input
# character and to the characters NFKC produces from it.
_SPECIAL: dict[str, str] = {
    # Long-vowel marks and dashes: banks want "-" (ｰ is not in the set).
    **dict.fromkeys("ーｰ－―‐‑‒–—−", "-"),
    # Middle dots separate words; our spec writes them as ".".
    "・": ".",
    "･": ".",
    # Obsolete / small kana that jaconv leaves alone.
    "ヰ": "ｲ",
    "ゐ": "ｲ",
    "ヱ": "ｴ",
    "ゑ": "ｴ",
    "ヮ": "ﾜ",
    "ゎ": "ﾜ",
    "ヷ": "ﾜﾞ",
    "ヸ": "ｲﾞ",
    "ヹ": "ｴﾞ",
    "ヺ": "ｦﾞ",
    # Stand-alone and combining (semi-)voiced marks: in half-width they are characters anyway.
    "゛": "ﾞ",
    "\u3099": "ﾞ",
    "゜": "ﾟ",
    "\u309a": "ﾟ",
    # Small katakana of the Ainu extension block (ㇰ…ㇿ): written large like the others.
    **dict(zip("ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ", "ｸｼｽﾄﾇﾊﾋﾌﾍﾎﾑﾗﾘﾙﾚﾛ", strict=True)),
}
_SPECIAL_TABLE = str.maketrans(_SPECIAL)


def _convert_char(c: str) -> str | None:
    """One input character → its 全銀 spelling ("" = drop it), or None if it has none."""
    if c in ZENGIN_ALLOWED:
        return c
    special = _SPECIAL.get(c)
    if special is not None:
        return special
    if c.isspace():  # full-width space, tab, NBSP…: a word separator (collapsed later)
        return " "
    if unicodedata.category(c) == "Cf":  # zero-width space, BOM, soft hyphen: invisible
        return ""
    # NFKC: full-width ASCII → ASCII, half-width kana → full-width (so jaconv sees one
    # script), ① → 1, ㌔ → キロ. Then hiragana → katakana, small → large, and back to
    # half-width (ガ → ｶﾞ, ヴ → ｳﾞ) via jaconv, which knows the two-character forms.
    s = unicodedata.normalize("NFKC", c)
    s = jaconv.hira2kata(s).translate(_SPECIAL_TABLE)
    s = jaconv.enlarge_smallkana(s)
    s = jaconv.z2h(s, kana=True, ascii=True, digit=True).upper()
    if s and all(ch in ZENGIN_ALLOWED for ch in s):
        return s
    return None


class _CharTable(dict[int, "str | None"]):
    """Code point → 全銀 spelling, filled on first use (usable with ``str.translate``).

    Unconvertible characters map to None, which ``str.translate`` deletes: exactly the
    lenient behaviour. The table stops growing at ``_MAX`` entries so that hostile input with
    many distinct code points cannot grow it without bound.
    """

    _MAX = 65536

    def __missing__(self, key: int) -> str | None:
        value = _convert_char(chr(key))
        if len(self) < self._MAX:
            self[key] = value
        return value


_CHARS = _CharTable()


# Characters known to convert (their table entry is not None): text made only of these is
# converted by str.translate in C; anything else takes the loop that names the bad character.
_CONVERTIBLE: set[str] = set()


def _convert_strict(text: str, offset: int, field: str | None) -> str:
    if _CONVERTIBLE.issuperset(text):
        return text.translate(_CHARS)
    out: list[str] = []
    for i, c in enumerate(text):
        converted = _CHARS[ord(c)]
        if converted is None:
            raise ZenginCharsetError(c, offset + i, field=field)
        if len(_CONVERTIBLE) < _CharTable._MAX:
            _CONVERTIBLE.add(c)
        out.append(converted)
    return "".join(out)


def zengin_lenient(text: str) -> str:
    """The character conversion of :func:`to_zengin` with unconvertible characters dropped.

    No space collapsing and no legal-form handling: a building block for matching keys
    (:mod:`urikake.domain.name_matching`), never for bank files.
    """
    if ZENGIN_ALLOWED.issuperset(text):  # bank data usually is 全銀 text already: fast path
        return text
    return text.translate(_CHARS)


def _collapse_spaces(s: str) -> str:
    # Every whitespace character was already mapped to " ": split() drops the runs and ends.
    return " ".join(s.split())


# ---------------------------------------------------------------------------------------
# 法人略語
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LegalForm:
    """A legal-form (or office) word and its bank abbreviation (法人略語 / 営業所略語).

    ``kanji`` is the written word (``"株式会社"``); ``readings`` its spellings in full-width
    katakana, as people type them (both ガイシャ and カイシャ); ``abbreviation`` the half-width
    bank abbreviation without parentheses (``"ｶ"``); ``short_forms`` the one- or two-kanji
    forms written in parentheses (``"株"`` → ``(株)``, ``（株）``, ``㈱``); ``aliases`` other
    written forms (``"NPO法人"``). ``is_office`` marks 営業所 / 出張所 / 事務所, which are not
    legal forms: the matcher strips them but does not report them as the legal form.
    """

    kanji: str
    readings: tuple[str, ...]
    abbreviation: str
    short_forms: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    is_office: bool = False


def _lf(
    kanji: str,
    readings: str,
    abbreviation: str,
    short_forms: str = "",
    aliases: str = "",
    *,
    is_office: bool = False,
) -> LegalForm:
    return LegalForm(
        kanji,
        tuple(readings.split()),
        abbreviation,
        tuple(short_forms.split()),
        tuple(aliases.split()),
        is_office=is_office,
    )


LEGAL_FORMS: tuple[LegalForm, ...] = (
    # 会社
    _lf("株式会社", "カブシキガイシャ カブシキカイシャ", "ｶ", "株"),
    _lf("有限会社", "ユウゲンガイシャ ユウゲンカイシャ", "ﾕ", "有"),
    _lf("合名会社", "ゴウメイガイシャ ゴウメイカイシャ", "ﾒ", "名"),
    _lf("合資会社", "ゴウシガイシャ ゴウシカイシャ", "ｼ", "資"),
    _lf("合同会社", "ゴウドウガイシャ ゴウドウカイシャ", "ﾄﾞ", "同"),
    _lf("相互会社", "ソウゴガイシャ ソウゴカイシャ", "ｿ", "相"),
    # 医療・財団・社団
    _lf("医療法人社団", "イリョウホウジンシャダン", "ｲ"),
    _lf("医療法人財団", "イリョウホウジンザイダン", "ｲ"),
    _lf("社会医療法人", "シャカイイリョウホウジン", "ｲ"),
    _lf("医療法人", "イリョウホウジン", "ｲ", "医"),
    _lf("一般財団法人", "イッパンザイダンホウジン", "ｻﾞｲ", "一財"),
    _lf("公益財団法人", "コウエキザイダンホウジン", "ｻﾞｲ", "公財"),
    _lf("財団法人", "ザイダンホウジン", "ｻﾞｲ", "財"),
    _lf("一般社団法人", "イッパンシャダンホウジン", "ｼﾔ", "一社"),
    _lf("公益社団法人", "コウエキシャダンホウジン", "ｼﾔ", "公社"),
    _lf("社団法人", "シャダンホウジン", "ｼﾔ", "社"),
    # その他の法人
    _lf("宗教法人", "シュウキョウホウジン", "ｼﾕｳ", "宗"),
    _lf("学校法人", "ガッコウホウジン", "ｶﾞｸ", "学"),
    _lf("社会福祉法人", "シャカイフクシホウジン", "ﾌｸ", "福"),
    _lf("更生保護法人", "コウセイホゴホウジン", "ﾎｺﾞ"),
    _lf("特定非営利活動法人", "トクテイヒエイリカツドウホウジン", "ﾄｸﾋ", "特非"),
    _lf("NPO法人", "エヌピーオーホウジン NPOホウジン", "ﾄｸﾋ"),
    _lf("地方独立行政法人", "チホウドクリツギョウセイホウジン", "ﾁﾄﾞｸ"),
    _lf("独立行政法人", "ドクリツギョウセイホウジン", "ﾄﾞｸ", "独"),
    _lf("弁護士法人", "ベンゴシホウジン", "ﾍﾞﾝ"),
    _lf("税理士法人", "ゼイリシホウジン", "ｾﾞｲ"),
    _lf("司法書士法人", "シホウショシホウジン", "ｼﾎｳ"),
    # The banks' published tables write 行政書士法人 as ｷﾞﾖ (not ｷﾞﾖｳ).
    _lf("行政書士法人", "ギョウセイショシホウジン", "ｷﾞﾖ"),
    _lf("社会保険労務士法人", "シャカイホケンロウムシホウジン", "ﾛｳﾑ"),
    _lf("監査法人", "カンサホウジン", "ｶﾝｻ"),
    _lf("国立大学法人", "コクリツダイガクホウジン", "ﾀﾞｲ"),
    _lf("公立大学法人", "コウリツダイガクホウジン", "ﾀﾞｲ"),
    _lf("農事組合法人", "ノウジクミアイホウジン", "ﾉｳ"),
    _lf("管理組合法人", "カンリクミアイホウジン", "ｶﾝﾘ"),
    # 組合 (事業略語)
    _lf("生活協同組合", "セイカツキョウドウクミアイ", "ｾｲｷﾖｳ"),
    _lf("農業協同組合", "ノウギョウキョウドウクミアイ", "ﾉｳｷﾖｳ"),
    _lf("協同組合", "キョウドウクミアイ", "ｷﾖｳｸﾐ"),
    # 営業所略語
    _lf("営業所", "エイギョウショ エイギョウジョ", "ｴｲ", is_office=True),
    _lf("出張所", "シュッチョウショ シュッチョウジョ", "ｼﾕﾂ", is_office=True),
    _lf("事務所", "ジムショ", "ｼﾞﾑ", is_office=True),
)
"""The 法人略語 / 営業所略語 table (one entry per written word; longest words win)."""

_OPEN = ("(", "（")
_CLOSE = (")", "）")


def _parenthesised(word: str) -> Iterable[str]:
    return (o + word + c for o in _OPEN for c in _CLOSE)


def _enclosed_forms(targets: dict[str, LegalForm]) -> dict[str, LegalForm]:
    # ㈱ (U+3231) is NFKC "(株)", ㍿ (U+337F) is NFKC "株式会社": find all such characters
    # instead of hard-coding code points.
    found: dict[str, LegalForm] = {}
    for cp in range(0x3200, 0x3400):
        form = targets.get(unicodedata.normalize("NFKC", chr(cp)))
        if form is not None:
            found[chr(cp)] = form
    return found


def _written_variants() -> dict[str, LegalForm]:
    """Every written (kanji) spelling we recognise in the input, → its form."""
    variants: dict[str, LegalForm] = {}
    for form in LEGAL_FORMS:
        words = {form.kanji, *form.aliases}
        words |= {jaconv.h2z(w, kana=False, ascii=True, digit=True) for w in words}  # ＮＰＯ法人
        for word in words:
            variants.setdefault(word, form)
            for p in _parenthesised(word):
                variants.setdefault(p, form)
        for short in form.short_forms:
            for p in _parenthesised(short):
                variants.setdefault(p, form)
    # Enclosed ideographs: match NFKC "(株)" / "株式会社" (ASCII parentheses only).
    ascii_targets = {k: v for k, v in variants.items() if "（" not in k and "）" not in k}
    for char, form in _enclosed_forms(ascii_targets).items():
        variants.setdefault(char, form)
    return variants


def _reading_variants() -> dict[str, LegalForm]:
    """Every kana reading in its 全銀 spelling (ｶﾌﾞｼｷｶﾞｲｼﾔ), bare and in parentheses."""
    variants: dict[str, LegalForm] = {}
    for form in LEGAL_FORMS:
        for reading in form.readings:
            z = _convert_strict(reading, 0, None)
            for v in (z, f"({z})"):
                if variants.setdefault(v, form) is not form:  # pragma: no cover - table bug
                    raise AssertionError(f"reading {reading} is listed twice")
    return variants


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    # Longest first: Python's regex takes the first alternative that matches at the leftmost
    # position, so 一般社団法人 must come before 社団法人.
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


_WRITTEN = _written_variants()
_WRITTEN_RE = _alternation(_WRITTEN)
_READINGS = _reading_variants()
_READINGS_RE = _alternation(_READINGS)


def _split_readings(converted: str, out: list[str | LegalForm]) -> None:
    pos = 0
    for m in _READINGS_RE.finditer(converted):
        out.append(converted[pos : m.start()])
        out.append(_READINGS[m.group()])
        pos = m.end()
    out.append(converted[pos:])


def split_legal_forms(
    text: str, *, lenient: bool = False, field: str | None = None
) -> tuple[str | LegalForm, ...]:
    """Convert ``text`` to 全銀 characters, with its legal-form words picked out.

    Returns the converted text pieces (spaces not yet collapsed; pieces may be empty) and,
    between them, the :class:`LegalForm` of every legal-form / office word found: written in
    kanji (株式会社, (株), ㈱, ㍿ — also in parentheses) or spelled in kana in any script
    (カブシキガイシャ, かぶしきかいしゃ, ｶﾌﾞｼｷｶﾞｲｼﾔ). Longest word first (一般社団法人 before
    社団法人). Kana readings are found anywhere, also inside a longer word: ｼﾞﾑｼﾖ in
    ｾﾞｲﾘｼｼﾞﾑｼﾖ is 事務所, which is what we want for names.

    Strict (default): raises :class:`ZenginCharsetError` for the first character outside the
    legal-form words that cannot be converted. ``lenient=True`` drops such characters instead.
    Bank abbreviations already in the text (``ｶ)``) are left as they are: parsing those is
    :mod:`urikake.domain.name_matching`'s job.
    """
    out: list[str | LegalForm] = []
    pos = 0
    for m in _WRITTEN_RE.finditer(text):
        chunk = text[pos : m.start()]
        converted = zengin_lenient(chunk) if lenient else _convert_strict(chunk, pos, field)
        _split_readings(converted, out)
        out.append(_WRITTEN[m.group()])
        pos = m.end()
    tail = text[pos:]
    _split_readings(zengin_lenient(tail) if lenient else _convert_strict(tail, pos, field), out)
    return tuple(out)


def _blank(tokens: Iterable[str | LegalForm]) -> bool:
    return all(isinstance(t, str) and not t.strip(" ") for t in tokens)


def _render(tokens: tuple[str | LegalForm, ...]) -> str:
    pieces: list[str] = []
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        if isinstance(token, LegalForm):
            abbr = token.abbreviation
            if _blank(tokens[:i]):  # first word (or the whole name): ｶ)ﾔﾏﾀﾞ
                pieces.append(f"{abbr})")
            elif _blank(tokens[i + 1 :]):  # last word: ﾔﾏﾀﾞ(ｶ
                pieces.append(f"({abbr}")
            else:  # in the middle: ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ
                pieces.append(f"({abbr})")
        else:
            # Banks write the abbreviation against the name, without a space.
            if i > 0 and isinstance(tokens[i - 1], LegalForm):
                token = token.lstrip(" ")
            if i < last and isinstance(tokens[i + 1], LegalForm):
                token = token.rstrip(" ")
            pieces.append(token)
    return _collapse_spaces("".join(pieces))


def to_zengin(
    text: str,
    *,
    abbreviate_legal_form: bool = False,
    max_length: int | None = None,
    field: str | None = None,
) -> str:
    """Convert a name to the 全銀 character set, or raise :class:`ZenginCharsetError`.

    Hiragana → katakana; full-width → half-width (``ガ`` → ``ｶﾞ``, two characters; ``ヴ`` →
    ``ｳﾞ``); small kana → large (``ッ`` → ``ﾂ``, ``ャ`` → ``ﾔ``, ``ヵ`` → ``ｶ``); ``ヰ ヱ ヲ`` →
    ``ｲ ｴ ｦ``; long-vowel marks and dashes → ``-``; ``・`` → ``.``; full-width digits, Latin
    letters and ``（）`` → half-width; lower → upper case; any whitespace → one space, trimmed.
    Invisible format characters (zero-width space, BOM) are dropped. Anything else (kanji,
    ``＆``, emoji) raises, naming the character and its position.

    ``abbreviate_legal_form=True`` replaces legal-form words (:data:`LEGAL_FORMS`, in kanji or
    kana) by the bank abbreviation: ``ｶ)`` first, ``(ｶ`` last, ``(ｶ)`` in the middle, without
    spaces around it (``かぶしきがいしゃ　やまだ`` → ``ｶ)ﾔﾏﾀﾞ``). A name that is nothing but a
    legal form gets the prefix form.

    ``max_length`` (in characters = bytes in the file): a longer result raises
    ``DomainError("zengin.too_long")`` — never cut silently; bank-file writers that must cut
    use :func:`truncate_zengin`. ``field`` is passed on to the errors. An empty or blank input
    gives ``""`` (whether a name is required is the caller's rule).
    """
    if abbreviate_legal_form:
        result = _render(split_legal_forms(text, field=field))
    else:
        result = _collapse_spaces(_convert_strict(text, 0, field))
    if max_length is not None and len(result) > max_length:
        raise DomainError(
            "zengin.too_long",
            f"全銀形式では「{result}」({len(result)}文字)になり、上限の{max_length}文字を"
            "超えます。法人略語を使うなどして短くしてください",
            field=field,
        )
    return result


def truncate_zengin(s: str, width: int) -> str:
    """Cut 全銀 text to ``width`` characters (= bytes), the way banks cut it.

    A plain cut at the width: that is what banks do with over-long names, so it is what the
    payee will see. A cut can only drop a trailing ``ﾞ``/``ﾟ`` (``ﾀﾞ`` → ``ﾀ``), never leave
    one dangling at the start, and the name matcher treats a lost mark as a near match. ``s``
    must already be 全銀 text (use :func:`to_zengin` first): anything else raises
    :class:`ZenginCharsetError`, so a writer cannot put unconverted text into a file.
    """
    if width < 0:
        raise ValueError(f"width must be >= 0, got {width}")
    if ZENGIN_ALLOWED.issuperset(s):  # the common case, checked in C
        return s[:width]
    for i, c in enumerate(s):
        if c not in ZENGIN_ALLOWED:
            raise ZenginCharsetError(c, i)
    return s[:width]
