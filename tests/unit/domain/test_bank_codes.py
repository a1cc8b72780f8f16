"""Unit and property tests for urikake.domain.bank_codes (zengin-code data, no Django)."""

from __future__ import annotations

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.bank_codes import (
    BankInfo,
    BranchInfo,
    _search_key,
    data_version,
    find_bank,
    find_branch,
    lookup_bank,
    lookup_branch,
    search_banks,
    search_branches,
)
from urikake.domain.errors import DomainError

# ---------------------------------------------------------------------------------------
# Lookup
# ---------------------------------------------------------------------------------------


def test_mizuho() -> None:
    # zengin-code names omit the "銀行" suffix.
    assert lookup_bank("0001") == BankInfo("0001", "みずほ", "ミズホ", "みずほ", "mizuho")


def test_mufg() -> None:
    # 全銀 kana: "ユー" is written ユ－ (full-width hyphen-minus), small ェ as large エ.
    assert lookup_bank("0005") == BankInfo(
        "0005",
        "三菱ＵＦＪ",
        "ミツビシユ－エフジエイ",
        "みつびしゆ－えふじえい",
        "mitsubishiyu-efujiei",
    )


def test_smbc() -> None:
    bank = lookup_bank("0009")
    assert bank.name == "三井住友"
    assert bank.kana == "ミツイスミトモ"
    assert bank.romaji == "mitsuisumitomo"


def test_lookup_normalizes_full_width_code() -> None:
    assert lookup_bank("０００１").code == "0001"
    assert lookup_branch("０００１", "００１").code == "001"


def test_branch_lookups() -> None:
    assert lookup_branch("0001", "001") == BranchInfo(
        "0001", "001", "東京営業部", "トウキヨウ", "とうきよう", "toukiyou"
    )
    assert lookup_branch("0005", "001").name == "本店"
    assert lookup_branch("0009", "001").name == "神保町"


def test_find_returns_none_for_unknown_or_malformed() -> None:
    assert find_bank("0001") == lookup_bank("0001")
    assert find_bank("0002") is None
    assert find_bank("1") is None
    assert find_bank("") is None
    assert find_branch("0001", "001") == lookup_branch("0001", "001")
    assert find_branch("0001", "999") is None
    assert find_branch("0002", "001") is None
    assert find_branch("0001", "1") is None


def test_unknown_bank() -> None:
    with pytest.raises(DomainError) as excinfo:
        lookup_bank("0002")
    assert excinfo.value.code == "bank_code.unknown"
    assert excinfo.value.field == "bank_code"
    assert "0002" in excinfo.value.message


def test_unknown_branch() -> None:
    with pytest.raises(DomainError) as excinfo:
        lookup_branch("0001", "999")
    assert excinfo.value.code == "branch_code.unknown"
    assert excinfo.value.field == "branch_code"
    assert "999" in excinfo.value.message
    assert "0001" in excinfo.value.message
    assert "みずほ" in excinfo.value.message


def test_branch_of_unknown_bank() -> None:
    with pytest.raises(DomainError) as excinfo:
        lookup_branch("0002", "001")
    assert excinfo.value.code == "bank_code.unknown"


@pytest.mark.parametrize(
    ("bank_code", "branch_code", "code"),
    [
        ("1", "001", "bank_code.format"),
        ("00001", "001", "bank_code.format"),
        ("", "001", "bank_code.required"),
        ("0001", "1", "branch_code.format"),
        ("0001", "abc", "branch_code.format"),
        ("0001", "", "branch_code.required"),
    ],
)
def test_format_errors(bank_code: str, branch_code: str, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        lookup_branch(bank_code, branch_code)
    assert excinfo.value.code == code
    if code.startswith("bank_code"):
        with pytest.raises(DomainError) as excinfo:
            lookup_bank(bank_code)
        assert excinfo.value.code == code


def test_data_version() -> None:
    version = data_version()
    assert version.startswith("1.1.0.")
    assert version.rsplit(".", 1)[1].isdigit()


# ---------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------


def codes(results: list[BankInfo] | list[BranchInfo]) -> list[str]:
    return [r.code for r in results]


@pytest.mark.parametrize(
    "query",
    ["みずほ", "ミズホ", "ﾐｽﾞﾎ", "mizuho", "MIZUHO", "ｍｉｚｕｈｏ", "みずほ銀行", " みず ほ "],
)
def test_search_mizuho(query: str) -> None:
    results = search_banks(query)
    assert results[0].code == "0001"
    # みずほ信託 (0289) is a prefix match, ranked after the exact match.
    assert "0289" in codes(results)


@pytest.mark.parametrize(
    "query", ["ミツイスミトモ", "みついすみとも", "三井住友", "mitsuisumitomo", "三井住友銀行"]
)
def test_search_smbc(query: str) -> None:
    results = search_banks(query)
    assert results[0].code == "0009"
    assert "0294" in codes(results)  # 三井住友信託


@pytest.mark.parametrize(
    "query",
    [
        "三菱ＵＦＪ",
        "三菱UFJ",
        "三菱ufj銀行",
        "ミツビシユーエフジェイ",
        "ﾐﾂﾋﾞｼﾕｰｴﾌｼﾞｪｲ",
        "mitsubishiyu-efujiei",
    ],
)
def test_search_mufg_small_kana_and_dashes(query: str) -> None:
    assert search_banks(query)[0].code == "0005"


def test_search_ranking_exact_prefix_substring_then_code() -> None:
    results = search_banks("りそな", limit=50)
    # 0010 りそな (exact) before 0017 埼玉りそな (substring).
    assert codes(results)[0] == "0010"
    assert codes(results).index("0010") < codes(results).index("0017")


def test_search_by_code_prefix() -> None:
    assert codes(search_banks("0001")) == ["0001"]
    assert codes(search_banks("000", limit=3)) == ["0001", "0005", "0009"]
    assert codes(search_banks("９９００")) == ["9900"]


def test_search_institution_suffixes() -> None:
    assert "1303" in codes(search_banks("朝日信用金庫"))  # listed as 朝日信金
    assert codes(search_banks("ゆうちょ銀行"))[0] == "9900"


def test_search_limit_and_empty_query() -> None:
    assert len(search_banks("信金", limit=5)) == 5
    assert search_banks("") == []
    assert search_banks("   ") == []
    assert search_banks("存在しない銀行名ｘｙｚ") == []
    with pytest.raises(ValueError, match="limit"):
        search_banks("みずほ", limit=0)


def test_search_results_sorted_by_code_within_a_rank() -> None:
    results = search_banks("信金", limit=30)  # all substring matches
    assert codes(results) == sorted(codes(results))


def test_search_branches() -> None:
    assert search_branches("0001", "001")[0].code == "001"
    assert search_branches("0001", "とうきょう")[0].code == "001"  # トウキヨウ
    assert search_branches("0001", "東京営業部")[0].code == "001"
    assert search_branches("0001", "toukiyou")[0].code == "001"
    shinjuku = search_branches("0005", "新宿")
    assert shinjuku[0].name == "新宿"
    assert all("新宿" in b.name for b in shinjuku)
    assert all(b.bank_code == "0005" for b in shinjuku)
    assert len(search_branches("0009", "a", limit=7)) == 7
    assert search_branches("0001", "") == []


def test_search_branches_unknown_bank() -> None:
    with pytest.raises(DomainError) as excinfo:
        search_branches("0002", "本店")
    assert excinfo.value.code == "bank_code.unknown"
    with pytest.raises(DomainError) as excinfo:
        search_branches("1", "本店")
    assert excinfo.value.code == "bank_code.format"


# ---------------------------------------------------------------------------------------
# Properties over the real data
# ---------------------------------------------------------------------------------------


def _all_banks() -> list[BankInfo]:
    # Every bank code starts with a digit, so the ten one-digit prefixes cover them all.
    banks: list[BankInfo] = []
    for d in "0123456789":
        banks.extend(search_banks(d, limit=10_000))
    return banks


BANKS = _all_banks()


def test_code_prefix_enumeration_covers_all_banks() -> None:
    assert len(BANKS) > 1000
    assert len({b.code for b in BANKS}) == len(BANKS)
    assert all(lookup_bank(b.code) == b for b in BANKS[::50])


@settings(max_examples=150)
@given(st.sampled_from(BANKS), st.sampled_from(["name", "kana", "hiragana", "romaji", "hankaku"]))
def test_every_bank_is_found_by_each_of_its_spellings(bank: BankInfo, how: str) -> None:
    if how == "hankaku":
        query = jaconv.z2h(bank.kana, kana=True, ascii=True, digit=True)
    else:
        query = getattr(bank, how)
    results = search_banks(query, limit=100)
    assert bank in results


@settings(max_examples=100)
@given(st.sampled_from(BANKS), st.integers(min_value=1, max_value=4))
def test_kana_prefix_results_all_contain_the_query(bank: BankInfo, n: int) -> None:
    """Every hit really contains the query once small kana are written large (ジャ → ジヤ)."""
    query = bank.kana[:n]
    results = search_banks(query, limit=10_000)
    assert bank in results
    for r in results:
        spellings = (r.kana, r.name, r.hiragana)
        # Folded as the search folds (width, kana, small kana, punctuation: ビルバオ．ビスカヤ
        # contains オビ once the full stop is ignored).
        assert any(_search_key(query) in _search_key(x) for x in spellings), r


@settings(max_examples=50)
@given(st.sampled_from(BANKS), st.data())
def test_every_branch_is_found_by_code_and_kana(bank: BankInfo, data: st.DataObject) -> None:
    branches = search_branches(bank.code, "", limit=1)
    assert branches == []
    every = [b for d in "0123456789" for b in search_branches(bank.code, d, limit=10_000)]
    if not every:
        return
    branch = data.draw(st.sampled_from(every))
    assert lookup_branch(bank.code, branch.code) == branch
    assert search_branches(bank.code, branch.code)[0] == branch
    assert branch in search_branches(bank.code, branch.kana, limit=1_000)
