"""bulk_zengin_names (the column-wise holder-name conversion of the 総合振込 writer) against
the per-name conversion it replaces: to_zengin(abbreviate_legal_form=True), cut and padded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain import zengin_columnar
from urikake.domain.errors import DomainError
from urikake.domain.zengin_charset import to_zengin, truncate_zengin
from urikake.domain.zengin_columnar import bulk_zengin_names, put_digits, put_right_digits


def _one(text: str, width: int) -> bytes | None:
    """The field to_zengin gives, or None where the writer must report the name."""
    try:
        name = truncate_zengin(to_zengin(text, abbreviate_legal_form=True), width)
    except DomainError:
        return None
    return name.encode("cp932").ljust(width) if name else None


def _bulk(texts: list[str], width: int) -> list[bytes | None]:
    out, ok = bulk_zengin_names(texts, width)
    assert out.shape == (len(texts), width)
    return [row.tobytes() if good else None for row, good in zip(out, ok.tolist(), strict=True)]


# Pieces of names: kana in every script, legal forms written and read (bare, in either
# parentheses, enclosed, overlapping, repeated), spaces of every kind, characters dropped,
# unconvertible, spelled with more than two characters (㌀), beyond the BMP (𝐀), the code
# units the converter borrows for its markers, NUL, a lone surrogate, and long runs.
_PARTS = [
    "やまだ",
    "ヤマダ",
    "ｶﾞｽ",
    "ガス",
    "ッャー",
    "株式会社",
    "（株）",
    "(株)",
    "㈱",
    "㍿",
    "カブシキガイシャ",
    "ｶﾌﾞｼｷｶﾞｲｼﾔ",
    "(ｶﾌﾞｼｷｶﾞｲｼﾔ)",
    "かぶしきがいしゃ",
    "一般社団法人",
    "社団法人",
    "ジムショ",
    "エイギョウショ",
    "事務所",
    "有限会社",
    "ユウゲンガイシャ",
    "NPO法人",
    "ＮＰＯ法人",
    "NＰO法人",
    "(株式会社)",
    "（株式会社）",
    "(",
    "）",
    "ＡＢＣ",
    "abc",
    "１２３",
    "　",
    " ",
    "  ",
    "\t",
    "・",
    "ヴ",
    "ゐ",
    "ｰ",
    "ﾞ",
    "\u200b",
    "漢",
    "＆",
    "㌔",
    "㌀",
    "𝐀",
    "\uf8e0",
    "\uf8ff",
    "\x00",
    "\ud800",
    "ア" * 31,
]
_names = st.lists(st.sampled_from(_PARTS), max_size=7).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_names, max_size=40), st.integers(1, 45))
def test_equals_the_per_name_conversion(texts: list[str], width: int) -> None:
    assert _bulk(texts, width) == [_one(t, width) for t in texts]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=20), st.integers(1, 40))
def test_equals_the_per_name_conversion_on_any_text(texts: list[str], width: int) -> None:
    assert _bulk(texts, width) == [_one(t, width) for t in texts]


@settings(max_examples=40, deadline=None)
@given(st.lists(_names, min_size=1, max_size=40), st.integers(1, 5))
def test_block_boundaries_change_nothing(texts: list[str], block: int) -> None:
    expected = [_one(t, 30) for t in texts]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(zengin_columnar, "_BLOCK", block)
        assert _bulk(texts, 30) == expected


def test_repeated_names_are_converted_once_and_placed_back() -> None:
    rng = np.random.default_rng(14)
    payees = ["株式会社ヤマダ", "やまだ　たろう", "漢字", "ｶﾌﾞｼｷｶﾞｲｼﾔ ｽｽﾞｷ", "", "有限会社ア"]
    payees += [f"サトウショウジ{i}" for i in range(40)]
    # Each row its own str object, as a database query gives them.
    texts = [(payees[i] + ".")[:-1] for i in rng.integers(0, len(payees), 20_000).tolist()]
    assert zengin_columnar._repeated(texts) is not None  # the deduplicating path
    expected = {p: _one(p, 30) for p in payees}
    assert _bulk(texts, 30) == [expected[t] for t in texts]


def test_distinct_names_are_not_deduplicated() -> None:
    texts = [f"ヤマダ{i}" for i in range(20_000)]
    assert zengin_columnar._repeated(texts) is None


@given(st.lists(st.integers(0, 9_999_999_999), max_size=30), st.integers(10, 13))
def test_put_digits_is_zero_filled_decimal(values: list[int], width: int) -> None:
    out = np.zeros((len(values), width + 3), dtype=np.uint8)
    put_digits(out, 2, width, np.array(values, dtype=np.int64))
    assert [bytes(r[2 : 2 + width]).decode() for r in out] == [f"{v:0{width}d}" for v in values]
    assert not out[:, :2].any()
    assert not out[:, 2 + width :].any()


@given(
    st.lists(
        st.one_of(
            st.integers(0, 10**9).map(str),
            st.sampled_from(["", "0", "12345678", "１２", "-1", "+1", " 1", "1 ", "٣"]),
        ),
        max_size=20,
    )
)
def test_put_right_digits_is_zfill_of_ascii_digits(texts: list[str]) -> None:
    width = 7
    out = np.zeros((len(texts), width), dtype=np.uint8)
    written = put_right_digits(out, 0, width, texts)
    for row, text, w in zip(out, texts, written.tolist(), strict=True):
        good = text.isascii() and (text.isdigit() or not text) and len(text) <= width
        assert w == good
        assert bytes(row).decode() == (text.zfill(width) if good else "0" * width)
