"""Unit and property tests for urikake.domain.zengin_charset (pure Python, no Django)."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.zengin_charset import (
    LEGAL_FORMS,
    ZENGIN_ALLOWED,
    LegalForm,
    ZenginCharsetError,
    is_zengin_text,
    split_legal_forms,
    to_zengin,
    truncate_zengin,
    zengin_lenient,
)

# ---------------------------------------------------------------------------------------
# The character set
# ---------------------------------------------------------------------------------------


def test_allowed_set_is_exactly_the_spec() -> None:
    expected = (
        set("0123456789")
        | set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        | set("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ")
        | {"ｦ", "ﾞ", "ﾟ", " ", "(", ")", "-", ".", "/"}
    )
    assert expected == ZENGIN_ALLOWED


@pytest.mark.parametrize("char", list("ｧｨｩｪｫｬｭｮｯｰabcz¥,「」｢｣?&'_ア漢、。"))
def test_not_allowed(char: str) -> None:
    assert char not in ZENGIN_ALLOWED
    assert not is_zengin_text(f"ｱ{char}")


def test_is_zengin_text() -> None:
    assert is_zengin_text("")
    assert is_zengin_text("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    assert is_zengin_text("ABC 123 (ﾃｽﾄ) -./")
    assert not is_zengin_text("ｼｮｳｼﾞ")  # small ｮ
    assert not is_zengin_text("ｺｰﾋｰ")  # long-vowel mark


# ---------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("やまだ", "ﾔﾏﾀﾞ"),  # hiragana → katakana
        ("ヤマダ", "ﾔﾏﾀﾞ"),  # full-width → half-width
        ("ガ", "ｶﾞ"),  # voiced: two characters
        ("パ", "ﾊﾟ"),
        ("ァィゥェォッャュョヮヵヶ", "ｱｲｳｴｵﾂﾔﾕﾖﾜｶｹ"),  # small kana → large
        ("ぁぃぅぇぉっゃゅょゎゕゖ", "ｱｲｳｴｵﾂﾔﾕﾖﾜｶｹ"),
        ("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ"),  # half-width small kana too
        ("ショウジ", "ｼﾖｳｼﾞ"),
        ("ガッコウ", "ｶﾞﾂｺｳ"),
        ("コーヒー", "ｺ-ﾋ-"),  # long-vowel marks → -
        ("ｺｰﾋｰ", "ｺ-ﾋ-"),
        ("ア－イ―ウ‐エ−オ", "ｱ-ｲ-ｳ-ｴ-ｵ"),
        ("０１２３ＡＢＣａｂｃ", "0123ABCABC"),  # full-width ASCII → half-width
        ("abc xyz", "ABC XYZ"),  # lower → upper
        ("ヤマダ　タロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # full-width space
        ("  ヤマダ   タロウ  ", "ﾔﾏﾀﾞ ﾀﾛｳ"),  # runs collapsed, trimmed
        ("ヤマダ\tタロウ", "ﾔﾏﾀﾞ ﾀﾛｳ"),
        ("（ヤマダ）", "(ﾔﾏﾀﾞ)"),
        ("ヤマダ・タロウ", "ﾔﾏﾀﾞ.ﾀﾛｳ"),  # ・ → .
        ("ﾔﾏﾀﾞ･ﾀﾛｳ", "ﾔﾏﾀﾞ.ﾀﾛｳ"),
        ("ヴィ", "ｳﾞｲ"),
        ("ゔ", "ｳﾞ"),
        ("ヰヱヲ", "ｲｴｦ"),
        ("ゐゑを", "ｲｴｦ"),
        ("カ\u3099", "ｶﾞ"),  # combining voiced mark
        ("ハ゜", "ﾊﾟ"),
        ("ＡＢＣ／ＤＥＦ．", "ABC/DEF."),
        ("ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ"),  # already half-width
        ("ヤ\u200bマダ", "ﾔﾏﾀﾞ"),  # zero-width space dropped
        ("", ""),
        ("　 ", ""),
    ],
)
def test_conversion(text: str, expected: str) -> None:
    result = to_zengin(text)
    assert result == expected
    assert is_zengin_text(result)


def test_voiced_kana_take_two_characters() -> None:
    assert len(to_zengin("ガギグゲゴ")) == 10
    assert len(to_zengin("カキクケコ")) == 5


@pytest.mark.parametrize(
    ("text", "char", "position"),
    [
        ("ヤマ山ダ", "山", 2),
        ("山田", "山", 0),
        ("ヤマダ＆サトウ", "＆", 3),
        ("ヤマダ&サトウ", "&", 3),
        ("ヤマダ😀", "😀", 3),
        ("ABC,DEF", ",", 3),
        ("¥100", "¥", 0),
        ("「ヤマダ」", "「", 0),
        ("ヤマダ株式会社", "株", 3),  # without abbreviate_legal_form, kanji are kanji
    ],
)
def test_errors_name_the_character_and_position(text: str, char: str, position: int) -> None:
    with pytest.raises(ZenginCharsetError) as excinfo:
        to_zengin(text, field="payee_kana")
    err = excinfo.value
    assert err.char == char
    assert err.position == position
    assert text[err.position] == err.char
    assert err.code == "zengin.charset"
    assert err.field == "payee_kana"
    assert f"『{char}』({position + 1}文字目)" in err.message
    assert "全銀の文字コードに変換できません" in err.message
    assert isinstance(err, DomainError)


def test_error_message_example_from_the_spec() -> None:
    with pytest.raises(ZenginCharsetError) as excinfo:
        to_zengin("ヤマ山")
    assert excinfo.value.message == (
        "『山』(3文字目)は全銀の文字コードに変換できません。カナで入力してください"
    )


def test_invisible_characters_are_shown_as_code_points() -> None:
    with pytest.raises(ZenginCharsetError) as excinfo:
        to_zengin("ヤマ\x00ダ")
    assert "『U+0000』(3文字目)" in excinfo.value.message


def test_error_position_counts_from_the_input_around_legal_forms() -> None:
    with pytest.raises(ZenginCharsetError) as excinfo:
        to_zengin("株式会社ヤマダ商事", abbreviate_legal_form=True)
    assert (excinfo.value.char, excinfo.value.position) == ("商", 7)


def test_max_length() -> None:
    assert to_zengin("ガガ", max_length=4) == "ｶﾞｶﾞ"
    with pytest.raises(DomainError) as excinfo:
        to_zengin("ガガ", max_length=3, field="name")
    assert excinfo.value.code == "zengin.too_long"
    assert excinfo.value.field == "name"
    assert "ｶﾞｶﾞ" in excinfo.value.message
    assert "3文字" in excinfo.value.message
    assert not isinstance(excinfo.value, ZenginCharsetError)


def test_max_length_counts_after_abbreviation() -> None:
    assert to_zengin("株式会社ヤマダ", abbreviate_legal_form=True, max_length=6) == "ｶ)ﾔﾏﾀﾞ"


# ---------------------------------------------------------------------------------------
# truncate_zengin
# ---------------------------------------------------------------------------------------


def test_truncate_is_a_plain_cut() -> None:
    assert truncate_zengin("ﾔﾏﾀﾞｼﾖｳｼﾞ", 4) == "ﾔﾏﾀﾞ"
    assert truncate_zengin("ﾔﾏﾀﾞｼﾖｳｼﾞ", 3) == "ﾔﾏﾀ"  # the mark is lost, as at the bank
    assert truncate_zengin("ﾔﾏﾀﾞ", 30) == "ﾔﾏﾀﾞ"  # no padding: writers pad
    assert truncate_zengin("ﾔﾏﾀﾞ", 0) == ""


def test_truncate_rejects_unconverted_text_and_negative_widths() -> None:
    with pytest.raises(ZenginCharsetError) as excinfo:
        truncate_zengin("ﾔﾏﾀﾞショウジ", 4)
    assert excinfo.value.position == 4
    with pytest.raises(ValueError, match="width"):
        truncate_zengin("ﾔﾏﾀﾞ", -1)


# ---------------------------------------------------------------------------------------
# 法人略語
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("株式会社ヤマダショウジ", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"),
        ("ヤマダショウジ株式会社", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ"),
        ("かぶしきがいしゃ　やまだ", "ｶ)ﾔﾏﾀﾞ"),  # no space after the prefix
        ("カブシキカイシャヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("ｶﾌﾞｼｷｶﾞｲｼﾔ ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
        ("ヤマダ カブシキガイシャ", "ﾔﾏﾀﾞ(ｶ"),
        ("ヤマダ株式会社トウキョウエイギョウショ", "ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ(ｴｲ"),
        ("ヤマダ 株式会社 トウキョウ", "ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳ"),
        ("㈱ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("(株)ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("ヤマダ（株）", "ﾔﾏﾀﾞ(ｶ"),
        ("ヤマダ（有）", "ﾔﾏﾀﾞ(ﾕ"),
        ("ヤマダ(株式会社)", "ﾔﾏﾀﾞ(ｶ"),
        ("㍿ヤマダ", "ｶ)ﾔﾏﾀﾞ"),
        ("一般社団法人ヤマダ", "ｼﾔ)ﾔﾏﾀﾞ"),  # longest first: not "一般" + 社団法人
        ("公益財団法人ヤマダ", "ｻﾞｲ)ﾔﾏﾀﾞ"),
        ("医療法人社団ヤマダカイ", "ｲ)ﾔﾏﾀﾞｶｲ"),
        ("ヤマダノウギョウキョウドウクミアイ", "ﾔﾏﾀﾞ(ﾉｳｷﾖｳ"),
        ("ヤマダ協同組合", "ﾔﾏﾀﾞ(ｷﾖｳｸﾐ"),
        ("NPO法人ヤマダ", "ﾄｸﾋ)ﾔﾏﾀﾞ"),
        ("ヤマダ税理士事務所", None),  # 税理士 is not a legal form: kanji stay an error
        ("株式会社ヤマダ事務所", "ｶ)ﾔﾏﾀﾞ(ｼﾞﾑ"),
        ("株式会社", "ｶ)"),
        ("ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),  # already abbreviated: unchanged
        ("ヤマダ", "ﾔﾏﾀﾞ"),
    ],
)
def test_abbreviation_examples(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(ZenginCharsetError):
            to_zengin(text, abbreviate_legal_form=True)
    else:
        assert to_zengin(text, abbreviate_legal_form=True) == expected


def test_without_abbreviation_readings_are_kept_spelled_out() -> None:
    assert to_zengin("カブシキガイシャヤマダ") == "ｶﾌﾞｼｷｶﾞｲｼﾔﾔﾏﾀﾞ"


def _spellings(form: LegalForm) -> list[str]:
    out = [form.kanji, *form.aliases, *form.readings]
    out += [jaconv.kata2hira(r) for r in form.readings]  # hiragana
    out += [jaconv.z2h(r, ascii=True, digit=True) for r in form.readings]  # half-width kana
    out += [f"（{s}）" for s in form.short_forms]
    return out


@pytest.mark.parametrize("form", LEGAL_FORMS, ids=lambda f: f.kanji)
def test_every_legal_form_abbreviates_at_start_end_and_middle(form: LegalForm) -> None:
    a = form.abbreviation
    for spelling in _spellings(form):
        assert to_zengin(f"{spelling}ヤマダ", abbreviate_legal_form=True) == f"{a})ﾔﾏﾀﾞ"
        assert to_zengin(f"ヤマダ {spelling}", abbreviate_legal_form=True) == f"ﾔﾏﾀﾞ({a}"
        assert (
            to_zengin(f"ヤマダ{spelling}トウキョウ", abbreviate_legal_form=True) == f"ﾔﾏﾀﾞ({a})ﾄｳｷﾖｳ"
        )


def test_legal_form_table_is_well_formed() -> None:
    assert len({f.kanji for f in LEGAL_FORMS}) == len(LEGAL_FORMS)
    readings = [r for f in LEGAL_FORMS for r in f.readings]
    assert len(set(readings)) == len(readings)
    for form in LEGAL_FORMS:
        assert form.abbreviation
        assert is_zengin_text(form.abbreviation)
        assert " " not in form.abbreviation
        assert form.readings
    offices = {f.kanji for f in LEGAL_FORMS if f.is_office}
    assert offices == {"営業所", "出張所", "事務所"}


@pytest.mark.parametrize(
    ("kanji", "abbreviation"),
    [
        ("株式会社", "ｶ"),
        ("有限会社", "ﾕ"),
        ("合名会社", "ﾒ"),
        ("合資会社", "ｼ"),
        ("合同会社", "ﾄﾞ"),
        ("医療法人", "ｲ"),
        ("医療法人社団", "ｲ"),
        ("医療法人財団", "ｲ"),
        ("財団法人", "ｻﾞｲ"),
        ("一般財団法人", "ｻﾞｲ"),
        ("公益財団法人", "ｻﾞｲ"),
        ("社団法人", "ｼﾔ"),
        ("一般社団法人", "ｼﾔ"),
        ("公益社団法人", "ｼﾔ"),
        ("宗教法人", "ｼﾕｳ"),
        ("学校法人", "ｶﾞｸ"),
        ("社会福祉法人", "ﾌｸ"),
        ("特定非営利活動法人", "ﾄｸﾋ"),
        ("独立行政法人", "ﾄﾞｸ"),
        ("弁護士法人", "ﾍﾞﾝ"),
        ("税理士法人", "ｾﾞｲ"),
        ("司法書士法人", "ｼﾎｳ"),
        ("行政書士法人", "ｷﾞﾖ"),
        ("監査法人", "ｶﾝｻ"),
        ("国立大学法人", "ﾀﾞｲ"),
        ("農事組合法人", "ﾉｳ"),
        ("相互会社", "ｿ"),
        ("生活協同組合", "ｾｲｷﾖｳ"),
        ("農業協同組合", "ﾉｳｷﾖｳ"),
        ("協同組合", "ｷﾖｳｸﾐ"),
        ("営業所", "ｴｲ"),
        ("出張所", "ｼﾕﾂ"),
        ("事務所", "ｼﾞﾑ"),
    ],
)
def test_table_contains_the_required_abbreviations(kanji: str, abbreviation: str) -> None:
    (form,) = [f for f in LEGAL_FORMS if f.kanji == kanji]
    assert form.abbreviation == abbreviation


def test_split_legal_forms() -> None:
    kabu = next(f for f in LEGAL_FORMS if f.kanji == "株式会社")
    jimu = next(f for f in LEGAL_FORMS if f.kanji == "事務所")
    assert split_legal_forms("株式会社ヤマダ事務所") == ("", kabu, "ﾔﾏﾀﾞ", jimu, "")
    assert split_legal_forms("ﾔﾏﾀﾞ ｶﾌﾞｼｷｶｲｼﾔ") == ("ﾔﾏﾀﾞ ", kabu, "")
    with pytest.raises(ZenginCharsetError):
        split_legal_forms("山田株式会社")
    assert split_legal_forms("山田株式会社", lenient=True) == ("", kabu, "")


def test_zengin_lenient_drops_what_it_cannot_convert() -> None:
    assert zengin_lenient("山田ショウジ😀") == "ｼﾖｳｼﾞ"
    assert zengin_lenient("　ヤ　") == " ﾔ "  # spaces are not collapsed here


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

_HIRAGANA = "".join(chr(c) for c in range(ord("ぁ"), ord("ゖ") + 1))
_KATAKANA = "".join(chr(c) for c in range(ord("ァ"), ord("ヺ") + 1)) + "ー"
_HALF_KANA = "".join(chr(c) for c in range(ord("ｦ"), ord("ﾟ") + 1))
_ASCII = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_FULL_ASCII = "０１２３４５６７８９ＡＢＣＸＹＺａｂｃｘｙｚ"
convertible = st.text(alphabet=_HIRAGANA + _KATAKANA + _HALF_KANA + _ASCII + _FULL_ASCII + " 　")
anything = st.text(max_size=40)
# Mostly-convertible text with kanji (incl. legal-form words) and stray symbols mixed in.
mixed = st.lists(
    st.one_of(
        st.sampled_from([f.kanji for f in LEGAL_FORMS] + ["山田", "㈱", "（株）", "&", "、"]),
        convertible,
    ),
    max_size=5,
).map("".join)


@settings(max_examples=300)
@given(convertible)
def test_kana_and_alphanumerics_always_convert(text: str) -> None:
    result = to_zengin(text)
    assert is_zengin_text(result)
    assert result == result.strip()
    assert "  " not in result


@settings(max_examples=300)
@given(st.one_of(anything, mixed), st.booleans())
def test_any_text_converts_or_raises_a_charset_error(text: str, abbreviate: bool) -> None:
    result: str | None = None
    error: ZenginCharsetError | None = None
    try:
        result = to_zengin(text, abbreviate_legal_form=abbreviate)
    except ZenginCharsetError as err:  # any other exception fails the test
        error = err
    if error is not None:
        assert text[error.position] == error.char
    else:
        assert result is not None
        assert is_zengin_text(result)


@settings(max_examples=300)
@given(st.one_of(convertible, mixed), st.booleans())
def test_to_zengin_is_idempotent(text: str, abbreviate: bool) -> None:
    try:
        once = to_zengin(text, abbreviate_legal_form=abbreviate)
    except ZenginCharsetError:
        return
    assert to_zengin(once) == once
    assert to_zengin(once, abbreviate_legal_form=abbreviate) == once


@given(st.text(alphabet=sorted(ZENGIN_ALLOWED), max_size=60), st.integers(0, 60))
def test_truncate_is_a_prefix_of_at_most_width(text: str, width: int) -> None:
    cut = truncate_zengin(text, width)
    assert text.startswith(cut)
    assert len(cut) == min(width, len(text))
