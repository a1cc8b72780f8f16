"""Unit and property tests for urikake.domain.name_matching (pure Python, no Django)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.name_matching import (
    MIN_TRUNCATED_KEY,
    POSSIBLE_MATCH,
    STRONG_MATCH,
    NormalizedName,
    match_names,
    name_similarity,
    normalize_name,
)
from urikake.domain.zengin_charset import LEGAL_FORMS, to_zengin, truncate_zengin

# ---------------------------------------------------------------------------------------
# normalize_name
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "legal_form"),
    [
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｶ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ｶ"),
        ("(ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｶ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)", "ｶ"),
        ("ﾔﾏﾀﾞ ｼﾖｳｼﾞ ｶﾌﾞｼｷｶﾞｲｼﾔ", "ｶ"),
        ("ｶﾌﾞｼｷｶｲｼﾔ ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｶ"),
        ("株式会社ヤマダショウジ", "ｶ"),
        ("ヤマダショウジ株式会社", "ｶ"),
        ("㈱ヤマダショウジ", "ｶ"),
        ("ヤマダショウジ（株）", "ｶ"),
        ("かぶしきがいしゃ やまだしょうじ", "ｶ"),
        ("ヤマダショウジ", None),
        ("ﾔﾏﾀﾞ ｼﾖｳｼﾞ", None),
        ("ﾕ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾕ"),
        ("ﾄﾞ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾄﾞ"),
        ("ｼﾔ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｼﾔ"),
        ("ｲ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｲ"),
        ("ﾄｸﾋ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾄｸﾋ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｷﾞﾖｳ", "ｷﾞﾖ"),  # the spelling some tables use for 行政書士法人
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｴｲ", None),  # an office is not a legal form
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ(ｴｲ", "ｶ"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)ﾄｳｷﾖｳ(ｴｲ", "ｶ"),
    ],
)
def test_normalize_strips_legal_forms_in_every_spelling(text: str, legal_form: str | None) -> None:
    n = normalize_name(text)
    assert n.legal_form == legal_form
    assert n.key.startswith("ﾔﾏﾀﾞｼﾖｳｼﾞ")
    assert n.loose_key.startswith("ﾔﾏﾀｼﾖｳｼ")


def test_normalize_fields() -> None:
    assert normalize_name("ｶ)ﾔﾏﾀﾞ ｼﾖｳｼﾞ") == NormalizedName(
        key="ﾔﾏﾀﾞｼﾖｳｼﾞ", loose_key="ﾔﾏﾀｼﾖｳｼ", legal_form="ｶ", width=12
    )
    assert normalize_name("ﾊﾟ-ｸ.ﾎﾃﾙ/ABC").key == "ﾊﾟｸﾎﾃﾙABC"
    assert normalize_name("ﾊﾟ-ｸ.ﾎﾃﾙ/ABC").loose_key == "ﾊｸﾎﾃﾙABC"
    assert normalize_name("ｼｮｳｼﾞ").key == "ｼﾖｳｼﾞ"  # small kana written large
    assert normalize_name("ﾔﾏﾀﾞ   ").width == 4  # trailing padding does not count


def test_normalize_never_raises_and_drops_kanji() -> None:
    assert normalize_name("山田商事株式会社") == NormalizedName("", "", "ｶ", 0)
    assert normalize_name("ヤマダ😀ショウジ").key == "ﾔﾏﾀﾞｼﾖｳｼﾞ"
    assert normalize_name("").key == ""


@pytest.mark.parametrize("text", ["(ﾀﾛｳ)ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ(ﾀﾛｳ)", "ﾔﾏﾀﾞ(ｶﾌﾞﾄ)", "ｻﾄｳ)ﾔﾏﾀﾞ"])
def test_abbreviations_are_not_found_inside_words(text: str) -> None:
    assert normalize_name(text).legal_form is None


def test_every_abbreviation_is_recognised() -> None:
    for form in LEGAL_FORMS:
        a = form.abbreviation
        for text in (f"{a})ﾔﾏﾀﾞ", f"ﾔﾏﾀﾞ({a}", f"ﾔﾏﾀﾞ({a})ﾄｳｷﾖｳ"):
            n = normalize_name(text)
            assert n.key in {"ﾔﾏﾀﾞ", "ﾔﾏﾀﾞﾄｳｷﾖｳ"}, text
            assert n.legal_form == (None if form.is_office else a)


def test_normalize_is_cached_and_bounded() -> None:
    info = normalize_name.cache_info()
    assert info.maxsize is not None
    assert info.maxsize <= 1 << 17
    normalize_name("ｷﾔﾂｼﾕﾃｽﾄ")
    hits = normalize_name.cache_info().hits
    normalize_name("ｷﾔﾂｼﾕﾃｽﾄ")
    assert normalize_name.cache_info().hits == hits + 1


# ---------------------------------------------------------------------------------------
# name_similarity
# ---------------------------------------------------------------------------------------

YAMADA = ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "株式会社ヤマダショウジ", "ヤマダショウジ(カ", "ﾔﾏﾀﾞ ｼﾖｳｼﾞ(ｶ"]


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(YAMADA, 2)))
def test_spellings_of_the_same_company_match(a: str, b: str) -> None:
    assert name_similarity(a, b) >= 0.95
    assert name_similarity(b, a) >= 0.95


def test_kana_reading_of_the_debtor_matches() -> None:
    assert name_similarity("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ヤマダショウジ") == 1.0
    assert name_similarity("ﾔﾏﾀﾞ ｼﾖｳｼﾞ ｶﾌﾞｼｷｶﾞｲｼﾔ", "ヤマダショウジ") == 1.0


def test_dakuten_loss_scores_high_but_below_exact() -> None:
    score = name_similarity("ｶ)ﾔﾏﾀｼﾖｳｼ", "ヤマダショウジ")
    assert 0.9 <= score < 0.97
    assert score < name_similarity("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ヤマダショウジ")
    assert name_similarity("ﾊﾟﾝﾔ", "ﾊﾝﾔ") >= 0.9  # semi-voiced too


DEBTOR = "株式会社ヤマダショウジトウキョウハンバイセンター"  # ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳﾊﾝﾊﾞｲｾﾝﾀ-: 29+


def test_truncation_at_30() -> None:
    full = "ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳﾊﾝﾊﾞｲｾﾝﾀ-(ｶ"
    payer = truncate_zengin(full, 20)
    assert len(payer) == 20
    assert name_similarity(payer, DEBTOR, truncated_at=20) >= 0.95
    # Cut at 30 in the middle of a spelled-out legal form.
    payer30 = truncate_zengin("ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳﾊﾝﾊﾞｲｾﾝﾀ- ｶﾌﾞｼｷｶﾞｲｼﾔ", 30)
    assert payer30.endswith("ｶﾌﾞｼｷｶ")
    assert name_similarity(payer30, DEBTOR, truncated_at=30) >= 0.95
    # Without knowing the width, a cut name is only a possible match.
    assert name_similarity(payer, DEBTOR) < STRONG_MATCH


def test_truncation_that_loses_the_voiced_mark() -> None:
    payer = truncate_zengin("ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳﾊﾞｲﾊﾞｲ", 18)
    assert payer.endswith("ﾊ")  # the ﾞ of ﾊﾞ was cut off
    assert name_similarity(payer, "ヤマダショウジトウキョウバイバイ", truncated_at=18) >= 0.95


def test_truncation_needs_a_full_field_and_a_long_enough_prefix() -> None:
    assert name_similarity("ﾔﾏﾀﾞ", "ヤマダショウジ", truncated_at=4) < STRONG_MATCH
    payer, debtor = "ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳ", "ヤマダショウジトウキョウハンバイ"
    assert name_similarity(payer, debtor, truncated_at=30) < 0.9  # field not full: not cut
    assert name_similarity(payer, debtor, truncated_at=len(payer)) >= 0.95
    assert MIN_TRUNCATED_KEY >= 6


def test_truncated_prefix_with_dakuten_loss() -> None:
    score = name_similarity("ﾔﾏﾀｼﾖｳｼﾄｳｷﾖｳ", "ヤマダショウジトウキョウハンバイ", truncated_at=12)
    assert 0.9 <= score < 0.95


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "タナカコウギョウ"),
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "スズキデンキ"),
        ("ﾕ)ｻﾄｳｼﾖｳﾃﾝ", "株式会社ヤマダショウジ"),
        ("ﾄｳｷﾖｳｶﾞｽ(ｶ", "オオサカガス株式会社"),
        ("ﾐﾂﾋﾞｼｼﾖｳｼﾞ(ｶ", "ミツイブッサン"),
    ],
)
def test_unrelated_companies_score_low(a: str, b: str) -> None:
    assert name_similarity(a, b) < 0.6


def test_different_legal_form_lowers_the_score_a_little() -> None:
    same = name_similarity("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "株式会社ヤマダショウジ")
    other = name_similarity("ﾕ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "株式会社ヤマダショウジ")
    unknown = name_similarity("ﾔﾏﾀﾞｼﾖｳｼﾞ", "株式会社ヤマダショウジ")
    assert same == unknown == 1.0
    assert 0.9 <= other < same


def test_branch_name_added_is_a_possible_match() -> None:
    score = name_similarity("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ", "ヤマダショウジ")
    assert POSSIBLE_MATCH <= score < STRONG_MATCH


def test_one_typo_is_a_possible_match() -> None:
    score = name_similarity("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞｺｳｷﾞﾖｳ", "ヤマダショウギコウギョウ")
    assert POSSIBLE_MATCH <= score < STRONG_MATCH


def test_empty_keys_score_zero() -> None:
    assert name_similarity("", "ヤマダ") == 0.0
    assert name_similarity("山田商事株式会社", "山田商事株式会社") == 0.0  # give the kana
    assert name_similarity("ｶ)", "株式会社") == 0.0


# ---------------------------------------------------------------------------------------
# match_names
# ---------------------------------------------------------------------------------------

CANDIDATES = [
    "タナカコウギョウ",  # 0 unrelated
    "ヤマダ",  # 1 short prefix
    "ヤマダショウジ",  # 2 exact
    "ヤマダショウジ有限会社",  # 3 other legal form
    "ヤマタショウシ",  # 4 dakuten lost
    "ヤマダショウジ",  # 5 duplicate of 2
]


def test_match_names_orders_best_first() -> None:
    result = match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", CANDIDATES, limit=None)
    assert [i for i, _ in result][:4] == [2, 5, 3, 4]
    scores = [s for _, s in result]
    assert scores == sorted(scores, reverse=True)
    assert result[0] == (2, 1.0)


def test_match_names_limit_cutoff_and_empty() -> None:
    assert [i for i, _ in match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", CANDIDATES)] == [2, 5, 3, 4, 1]
    assert len(match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", CANDIDATES, limit=2)) == 2
    strong = match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", CANDIDATES, score_cutoff=STRONG_MATCH, limit=None)
    assert [i for i, _ in strong] == [2, 5, 3, 4]
    assert match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", []) == []
    assert match_names("山田", CANDIDATES) == []
    assert match_names("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", ["山田商事"]) == []


def test_match_names_with_truncation() -> None:
    full = to_zengin(DEBTOR + "ニシニホンシテン", abbreviate_legal_form=True)
    payer = truncate_zengin(full, 30)
    assert len(payer) == 30
    assert payer.startswith("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞﾄｳｷﾖｳﾊﾝﾊﾞｲｾﾝﾀ-ﾆｼﾆ")
    candidates = ["ヤマダショウジ", DEBTOR + "ニシニホンシテン", "ヤマダショウジトウキョウ"]
    result = match_names(payer, candidates, truncated_at=30)
    assert result[0][0] == 1
    assert result[0][1] >= 0.95


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

_KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ"
_DECOR = ["", "ｶ)", "(ｶ", "(ｶ)", "ﾕ)", "株式会社", "カブシキガイシャ", " ", "(ｴｲ"]
names = st.builds(
    lambda pre, core, post: pre + core + post,
    st.sampled_from(_DECOR),
    st.text(alphabet=_KANA + "ABC123 -.", max_size=20),
    st.sampled_from(_DECOR),
)
widths = st.one_of(st.none(), st.integers(1, 48))


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_normalize_accepts_anything(text: str) -> None:
    n = normalize_name(text)
    assert " " not in n.key
    assert n.loose_key == n.key.replace("ﾞ", "").replace("ﾟ", "")


@settings(max_examples=200)
@given(names, names, widths)
def test_similarity_is_in_range_and_symmetric_without_width(a: str, b: str, w: int | None) -> None:
    s = name_similarity(a, b, truncated_at=w)
    assert 0.0 <= s <= 1.0
    assert name_similarity(a, b) == name_similarity(b, a)


@settings(max_examples=200)
@given(names)
def test_a_name_matches_itself(a: str) -> None:
    expected = 1.0 if normalize_name(a).key else 0.0
    assert name_similarity(a, a) == expected


@settings(max_examples=100)
@given(names, st.lists(names, max_size=8), widths)
def test_match_names_agrees_with_name_similarity(
    payer: str, candidates: list[str], w: int | None
) -> None:
    result = match_names(payer, candidates, truncated_at=w, limit=None)
    expected = [
        (i, s)
        for i, c in enumerate(candidates)
        if (s := name_similarity(payer, c, truncated_at=w)) > 0.0
    ]
    expected.sort(key=lambda item: -item[1])
    assert result == expected
