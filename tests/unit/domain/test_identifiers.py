"""Unit and property tests for urikake.domain.identifiers (pure Python, no Django)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import (
    AccountType,
    CorporateNumber,
    InvoiceRegistrationNumber,
    corporate_number_check_digit,
    invoice_registration_number_for,
    is_valid_corporate_number,
    normalize_corporate_number,
    parse_account_number,
    parse_account_type,
    parse_bank_code,
    parse_branch_code,
    parse_corporate_number,
    parse_invoice_registration_number,
)

# Every number here was checked by computing its check digit by hand / independently of the
# module (see test_check_digit_worked_example for the arithmetic of the first one).
VALID_CORPORATE_NUMBERS = [
    "1180301018771",  # the example used by the spec
    "7000012050002",  # 国税庁
    "4000012090001",
    "5000012010024",
    "2000012010019",
    "6010001030403",
    "3010401011971",
    "8000012010038",
]

digits12 = st.text(alphabet="0123456789", min_size=12, max_size=12)


def make_number(base12: str) -> str:
    return f"{corporate_number_check_digit(base12)}{base12}"


def reference_check_digit(base12: str) -> int:
    """Independent restatement of 省令第2条: weights 1,2,1,2,… from the right."""
    weights = [1, 2] * 6
    total = sum(int(d) * w for d, w in zip(reversed(base12), weights, strict=True))
    return 9 - (total % 9)


def error_code(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


# ---------------------------------------------------------------------------------------
# 法人番号: examples
# ---------------------------------------------------------------------------------------


def test_check_digit_worked_example() -> None:
    # base 180301018771, digits from the right: 1 7 7 8 1 0 1 0 3 0 8 1
    # weights 1 2 1 2 …: 1+14+7+16+1+0+1+0+3+0+8+2 = 53; 53 mod 9 = 8; 9 − 8 = 1
    assert corporate_number_check_digit("180301018771") == 1


@pytest.mark.parametrize("number", VALID_CORPORATE_NUMBERS)
def test_known_valid_numbers(number: str) -> None:
    assert corporate_number_check_digit(number[1:]) == int(number[0])
    assert reference_check_digit(number[1:]) == int(number[0])
    parsed = parse_corporate_number(number)
    assert parsed.value == number
    assert str(parsed) == number
    assert is_valid_corporate_number(number)


def test_sum_divisible_by_nine_gives_check_digit_nine() -> None:
    assert corporate_number_check_digit("000000000000") == 9
    assert is_valid_corporate_number("9000000000000")
    assert not is_valid_corporate_number("0000000000000")


@pytest.mark.parametrize(
    "raw",
    [
        "1180301018771",
        "１１８０３０１０１８７７１",
        "1-1803-0101-8771",
        "1 1803 0101 8771",
        " 1180301018771\n",
        "1－1803－0101－8771",
        "1ー1803ー0101ー8771",
        "１　１８０３　０１０１　８７７１",
        "1‐1803−0101―8771",
    ],
)
def test_normalization(raw: str) -> None:
    assert normalize_corporate_number(raw) == "1180301018771"
    assert parse_corporate_number(raw).value == "1180301018771"


def test_normalize_does_not_check_the_check_digit() -> None:
    assert normalize_corporate_number("2180301018771") == "2180301018771"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "corporate_number.required"),
        ("  - ", "corporate_number.required"),
        ("118030101877", "corporate_number.length"),
        ("11803010187711", "corporate_number.length"),
        ("118030101877a", "corporate_number.non_digit"),
        ("T1180301018771", "corporate_number.non_digit"),
        ("１１８０３０１０１８７７①", "corporate_number.non_digit"),
        ("118030101877²", "corporate_number.non_digit"),
        ("١١٨٠٣٠١٠١٨٧٧١", "corporate_number.non_digit"),  # Arabic-Indic digits
        ("2180301018771", "corporate_number.check_digit"),
        ("0180301018771", "corporate_number.check_digit"),
    ],
)
def test_rejections(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_corporate_number(raw)
    assert error_code(excinfo) == code
    assert excinfo.value.field == "corporate_number"
    assert "法人番号" in excinfo.value.message
    assert not is_valid_corporate_number(raw)


def test_messages() -> None:
    with pytest.raises(DomainError, match="13桁の数字") as excinfo:
        parse_corporate_number("12345")
    assert "5桁" in excinfo.value.message
    with pytest.raises(DomainError, match="チェックデジットが正しくありません"):
        parse_corporate_number("2180301018771")


@pytest.mark.parametrize("base", ["", "12345678901", "1234567890123", "12345678901a", "１" * 12])
def test_check_digit_requires_twelve_ascii_digits(base: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        corporate_number_check_digit(base)
    assert error_code(excinfo) == "corporate_number.base_format"


def test_corporate_number_constructor_validates_canonical_form() -> None:
    assert CorporateNumber("1180301018771").value == "1180301018771"
    with pytest.raises(DomainError):
        CorporateNumber("1-1803-0101-8771")  # only parse_* normalizes
    with pytest.raises(DomainError):
        CorporateNumber("2180301018771")


def test_corporate_number_is_frozen_and_hashable() -> None:
    a = parse_corporate_number("1180301018771")
    b = parse_corporate_number("1-1803-0101-8771")
    assert a == b
    assert len({a, b}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.value = "7000012050002"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------
# 法人番号: properties
# ---------------------------------------------------------------------------------------


@given(digits12)
def test_computed_numbers_are_valid(base: str) -> None:
    check = corporate_number_check_digit(base)
    assert 1 <= check <= 9
    assert check == reference_check_digit(base)
    assert is_valid_corporate_number(make_number(base))


@given(digits12)
def test_exactly_one_check_digit_is_valid(base: str) -> None:
    valid = [d for d in "0123456789" if is_valid_corporate_number(d + base)]
    assert valid == [str(corporate_number_check_digit(base))]


@given(digits12, st.integers(min_value=1, max_value=12), st.integers(0, 9))
def test_single_base_digit_substitution(base: str, position: int, new_digit: int) -> None:
    """Detected unless it is 0↔9: a change of ±9 moves the weighted sum by 9 or 18 ≡ 0."""
    number = make_number(base)
    old = number[position]
    changed = number[:position] + str(new_digit) + number[position + 1 :]
    if str(new_digit) == old:
        assert is_valid_corporate_number(changed)
    elif {old, str(new_digit)} == {"0", "9"}:
        assert is_valid_corporate_number(changed)  # the documented blind spot
    else:
        assert not is_valid_corporate_number(changed)


@given(digits12, st.integers(0, 9))
def test_check_digit_substitution_always_detected(base: str, new_digit: int) -> None:
    number = make_number(base)
    changed = str(new_digit) + number[1:]
    assert is_valid_corporate_number(changed) == (changed == number)


@given(digits12, st.integers(min_value=1, max_value=11))
def test_adjacent_transposition_in_base(base: str, position: int) -> None:
    """Swapping neighbours changes the sum by (b − a): missed only for equal digits or 0/9."""
    number = make_number(base)
    a, b = number[position], number[position + 1]
    swapped = number[:position] + b + a + number[position + 2 :]
    undetectable = a == b or {a, b} == {"0", "9"}
    assert is_valid_corporate_number(swapped) == undetectable


def test_zero_nine_blind_spot_concrete_example() -> None:
    # 1180301018771 → change the 0 in position 3 (from the left) to 9: still "valid".
    assert is_valid_corporate_number("1189301018771")
    assert is_valid_corporate_number("1180391018771")


_DECORATIONS = st.sampled_from(["", "", "-", " ", "－", "ー", "　"])


@given(digits12, st.lists(_DECORATIONS, min_size=13, max_size=13), st.booleans())
def test_normalization_roundtrip(base: str, separators: list[str], fullwidth: bool) -> None:
    number = make_number(base)
    chars = [chr(ord(c) + 0xFEE0) if fullwidth else c for c in number]
    decorated = "".join(c + sep for c, sep in zip(chars, separators, strict=True))
    assert normalize_corporate_number(decorated) == number
    assert parse_corporate_number(decorated).value == number


@given(
    st.one_of(
        st.text(max_size=20),
        st.text(alphabet="0123456789０１２３４５６７８９-ー Ｔa①", min_size=12, max_size=16),
    )
)
def test_parse_either_succeeds_or_raises_domain_error(raw: str) -> None:
    if is_valid_corporate_number(raw):
        parsed = parse_corporate_number(raw)
        assert len(parsed.value) == 13
        assert parsed.value.isascii()
        assert parsed.value.isdigit()
    else:
        with pytest.raises(DomainError) as excinfo:
            parse_corporate_number(raw)
        assert error_code(excinfo).startswith("corporate_number.")


# ---------------------------------------------------------------------------------------
# 適格請求書発行事業者登録番号
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "T1180301018771",
        "t1180301018771",
        "Ｔ１１８０３０１０１８７７１",
        "ｔ１１８０３０１０１８７７１",
        "T1-1803-0101-8771",
        "T 1180 3010 1877 1",
        "T-1180301018771",
        " T1180301018771 ",
    ],
)
def test_invoice_number_normalization(raw: str) -> None:
    number = parse_invoice_registration_number(raw, is_corporation=True)
    assert number.value == "T1180301018771"
    assert str(number) == "T1180301018771"
    assert number.digits == "1180301018771"
    assert number.check_digit_valid
    assert number.corporate_number == CorporateNumber("1180301018771")


def test_invoice_number_corporation_enforces_check_digit() -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_invoice_registration_number("T2180301018771", is_corporation=True)
    assert error_code(excinfo) == "invoice_registration_number.check_digit"
    assert excinfo.value.field == "invoice_registration_number"
    assert "チェックデジット" in excinfo.value.message


@pytest.mark.parametrize("is_corporation", [False, None])
def test_invoice_number_format_only_when_not_known_corporation(
    is_corporation: bool | None,
) -> None:
    number = parse_invoice_registration_number("T2180301018771", is_corporation=is_corporation)
    assert number.value == "T2180301018771"
    assert not number.check_digit_valid
    assert number.corporate_number is None


def test_invoice_number_unknown_issuer_with_valid_check_digit_gets_corporate_number() -> None:
    number = parse_invoice_registration_number("T7000012050002")
    assert number.check_digit_valid
    assert number.corporate_number == CorporateNumber("7000012050002")


def test_invoice_number_sole_proprietor_never_gets_corporate_number() -> None:
    number = parse_invoice_registration_number("T7000012050002", is_corporation=False)
    assert number.check_digit_valid
    assert number.corporate_number is None


def test_invoice_number_equality_ignores_corporate_number() -> None:
    a = parse_invoice_registration_number("T7000012050002", is_corporation=False)
    b = parse_invoice_registration_number("T7000012050002", is_corporation=True)
    assert a == b
    assert hash(a) == hash(b)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "invoice_registration_number.required"),
        ("   ", "invoice_registration_number.required"),
        ("1180301018771", "invoice_registration_number.prefix"),
        ("X1180301018771", "invoice_registration_number.prefix"),
        ("T118030101877", "invoice_registration_number.length"),
        ("T11803010187711", "invoice_registration_number.length"),
        ("T", "invoice_registration_number.length"),
        ("T118030101877X", "invoice_registration_number.non_digit"),
        ("TT1180301018771", "invoice_registration_number.non_digit"),
    ],
)
def test_invoice_number_rejections(raw: str, code: str) -> None:
    for is_corporation in (True, False, None):
        with pytest.raises(DomainError) as excinfo:
            parse_invoice_registration_number(raw, is_corporation=is_corporation)
        assert error_code(excinfo) == code
        assert excinfo.value.field == "invoice_registration_number"
        assert "登録番号" in excinfo.value.message


def test_invoice_number_for_corporation() -> None:
    corp = parse_corporate_number("1180301018771")
    number = invoice_registration_number_for(corp)
    assert number.value == "T1180301018771"
    assert number.corporate_number is corp
    assert invoice_registration_number_for("1-1803-0101-8771") == number
    with pytest.raises(DomainError) as excinfo:
        invoice_registration_number_for("2180301018771")
    assert error_code(excinfo) == "corporate_number.check_digit"


def test_invoice_number_constructor_validates() -> None:
    with pytest.raises(DomainError) as excinfo:
        InvoiceRegistrationNumber("1180301018771")
    assert error_code(excinfo) == "invoice_registration_number.format"
    with pytest.raises(DomainError) as excinfo:
        InvoiceRegistrationNumber("T1180301018771", CorporateNumber("7000012050002"))
    assert error_code(excinfo) == "invoice_registration_number.corporate_number_mismatch"


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_invoice_number_format_only_accepts_any_13_digits(digits: str) -> None:
    unknown = parse_invoice_registration_number("T" + digits)
    sole = parse_invoice_registration_number("t" + digits, is_corporation=False)
    assert unknown == sole
    assert unknown.value == "T" + digits
    assert unknown.check_digit_valid == is_valid_corporate_number(digits)
    assert (unknown.corporate_number is not None) == unknown.check_digit_valid
    assert sole.corporate_number is None


@given(digits12)
def test_invoice_number_for_matches_parse(base: str) -> None:
    number = make_number(base)
    expected = invoice_registration_number_for(number)
    assert parse_invoice_registration_number("T" + number, is_corporation=True) == expected
    assert expected.corporate_number is not None
    assert expected.corporate_number.value == number


# ---------------------------------------------------------------------------------------
# Bank-account parts
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"), [("0001", "0001"), ("０００９", "0009"), (" 9900 ", "9900")]
)
def test_parse_bank_code(raw: str, expected: str) -> None:
    assert parse_bank_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "bank_code.required"),
        (" ", "bank_code.required"),
        ("1", "bank_code.format"),
        ("00001", "bank_code.format"),
        ("00a1", "bank_code.format"),
        ("00-01", "bank_code.format"),
    ],
)
def test_parse_bank_code_rejections(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_bank_code(raw)
    assert error_code(excinfo) == code
    assert excinfo.value.field == "bank_code"
    assert "金融機関コード" in excinfo.value.message


@pytest.mark.parametrize(("raw", "expected"), [("001", "001"), ("１２３", "123"), ("\t999", "999")])
def test_parse_branch_code(raw: str, expected: str) -> None:
    assert parse_branch_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [("", "branch_code.required"), ("01", "branch_code.format"), ("0001", "branch_code.format")],
)
def test_parse_branch_code_rejections(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_branch_code(raw)
    assert error_code(excinfo) == code
    assert excinfo.value.field == "branch_code"
    assert "支店コード" in excinfo.value.message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234567", "1234567"),
        ("123", "0000123"),
        ("1", "0000001"),
        ("0012345", "0012345"),
        ("１２３-４５６", "0123456"),
        (" 12 34 ", "0001234"),
    ],
)
def test_parse_account_number(raw: str, expected: str) -> None:
    assert parse_account_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "account_number.required"),
        ("--", "account_number.required"),
        ("12345678", "account_number.format"),
        ("12a45", "account_number.format"),
        ("0", "account_number.zero"),
        ("0000000", "account_number.zero"),
    ],
)
def test_parse_account_number_rejections(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_account_number(raw)
    assert error_code(excinfo) == code
    assert excinfo.value.field == "account_number"
    assert "口座番号" in excinfo.value.message


@given(st.integers(min_value=1, max_value=9_999_999))
def test_account_number_roundtrip(n: int) -> None:
    parsed = parse_account_number(str(n))
    assert len(parsed) == 7
    assert int(parsed) == n
    assert parse_account_number(parsed) == parsed


def test_account_type_values_and_labels() -> None:
    assert [(t.value, t.label) for t in AccountType] == [
        (1, "普通"),
        (2, "当座"),
        (4, "貯蓄"),
        (9, "その他"),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, AccountType.ORDINARY),
        (2, AccountType.CURRENT),
        (4, AccountType.SAVINGS),
        (9, AccountType.OTHER),
        ("1", AccountType.ORDINARY),
        ("２", AccountType.CURRENT),
        (" 4 ", AccountType.SAVINGS),
        ("普通", AccountType.ORDINARY),
        ("普通預金", AccountType.ORDINARY),
        ("総合", AccountType.ORDINARY),
        ("当座", AccountType.CURRENT),
        ("当座預金", AccountType.CURRENT),
        ("貯蓄", AccountType.SAVINGS),
        ("その他", AccountType.OTHER),
        (AccountType.CURRENT, AccountType.CURRENT),
    ],
)
def test_parse_account_type(raw: str | int, expected: AccountType) -> None:
    assert parse_account_type(raw) is expected


@pytest.mark.parametrize("raw", [0, 3, 5, 10, -1, True, False, "", "3", "12", "普", "ordinary"])
def test_parse_account_type_rejections(raw: str | int) -> None:
    with pytest.raises(DomainError) as excinfo:
        parse_account_type(raw)
    assert error_code(excinfo) == "account_type.invalid"
    assert excinfo.value.field == "account_type"
    assert "預金種目" in excinfo.value.message


@given(st.one_of(st.integers(), st.text(max_size=5)))
def test_parse_account_type_total(raw: str | int) -> None:
    try:
        result = parse_account_type(raw)
    except DomainError as exc:
        code = exc.code
    else:
        assert result in set(AccountType)
        return
    assert code == "account_type.invalid"


# --- 会社法人等番号 ---------------------------------------------------------------------------


def test_company_registry_number_is_the_corporate_number_without_its_check_digit() -> None:
    from urikake.domain.identifiers import company_registry_number

    # トヨタ自動車株式会社: 法人番号 1180301018771, 会社法人等番号 1803-01-018771.
    assert company_registry_number("1180301018771") == "180301018771"
    assert company_registry_number("１１８０－３０１０－１８７７１") == "180301018771"
    assert len(company_registry_number("7999901000001")) == 12


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("2180301018771", "corporate_number.check_digit"),  # a typo must not pass
        ("180301018771", "corporate_number.length"),  # already 12 digits: not a 法人番号
        ("", "corporate_number.required"),
    ],
)
def test_company_registry_number_refuses_what_is_not_a_corporate_number(
    bad: str, code: str
) -> None:
    from urikake.domain.identifiers import company_registry_number

    with pytest.raises(DomainError) as exc:
        company_registry_number(bad)
    assert exc.value.code == code


@given(st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_company_registry_number_round_trips_any_base(base12: str) -> None:
    from urikake.domain.identifiers import company_registry_number

    assert company_registry_number(f"{corporate_number_check_digit(base12)}{base12}") == base12
