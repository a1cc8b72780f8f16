"""Japanese business identifiers: 法人番号, 適格請求書発行事業者登録番号 and bank-account parts.

Use this module whenever a corporate number, an invoice registration number ("T番号") or
the pieces of a Japanese bank account (金融機関コード, 支店コード, 預金種目, 口座番号) come
in from a form, a CSV upload, an OCR'd invoice or an API call. Every parser normalizes the
usual ways people type these (full-width digits, spaces, hyphens) and raises
:class:`~urikake.domain.errors.DomainError` with a stable ``code`` and a Japanese message
otherwise. The values returned are canonical ASCII strings, safe to store and compare.

法人番号 (corporate number)
    13 digits; the first digit is a check digit over the other 12 (the "base").
    ``check = 9 − (Σ Pn × Qn mod 9)``, where Pn is the n-th digit of the base counting from
    the *right* and Qn is 1 for odd n and 2 for even n. Source: 法人番号の指定等に関する省令
    (平成26年財務省令第70号) 第2条, as explained by 国税庁 法人番号公表サイト「法人番号の
    チェックデジットの計算方法」.

    The check digit is always 1–9 (never 0), and it does **not** detect every typo: changing
    one base digit from 0 to 9 (or 9 to 0) moves the sum by 9 or 18, both ≡ 0 (mod 9), so
    such a number still validates, at any position. Every other single-digit change, and
    every change of the check digit itself, is detected; swapping two adjacent base digits is
    detected unless they are equal or are 0 and 9. A passing check digit therefore proves the
    number is well-formed, not that it exists: confirm existence with the 国税庁 法人番号
    Web-API when it matters.

適格請求書発行事業者登録番号 (invoice registration number)
    "T" followed by 13 digits (消費税法 第57条の2, 国税庁「適格請求書等保存方式の概要」).
    For a corporation the 13 digits *are* its 法人番号, so the check digit applies. For a
    sole proprietor (個人事業者) the 13 digits are a separate number that does not overlap
    with 法人番号 and whose check-digit rule is not published, so only the format can be
    validated.

Bank-account parts
    金融機関コード 4 digits, 支店コード 3 digits, 口座番号 up to 7 digits (stored zero-filled
    to 7, as in 全銀協 総合振込 files), 預金種目 1 普通 / 2 当座 / 4 貯蓄 / 9 その他
    (全銀協 全銀フォーマット). ゆうちょ銀行's 記号・番号 are not account numbers in this
    sense: they must be converted to its 振込用の店名・店番・口座番号 first. Whether a bank or
    branch code actually exists is checked by :mod:`urikake.domain.bank_codes`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from urikake.domain.errors import DomainError

__all__ = [
    "AccountType",
    "CorporateNumber",
    "InvoiceRegistrationNumber",
    "company_registry_number",
    "corporate_number_check_digit",
    "invoice_registration_number_for",
    "is_valid_corporate_number",
    "normalize_corporate_number",
    "parse_account_number",
    "parse_account_type",
    "parse_bank_code",
    "parse_branch_code",
    "parse_corporate_number",
    "parse_invoice_registration_number",
]

CORPORATE_NUMBER_LENGTH = 13
ACCOUNT_NUMBER_LENGTH = 7

# Full-width digits and T are what Japanese IMEs produce by default; translate them
# explicitly instead of using NFKC so that look-alikes such as "①" or "²" are rejected
# rather than silently read as digits.
_FULLWIDTH = str.maketrans("０１２３４５６７８９Ｔｔ", "0123456789Tt")

# Separators people put inside identifiers: ASCII and full-width spaces, and the many
# dash look-alikes (the katakana prolonged sound mark "ー" is what an IME gives for "-").
_SEPARATORS = re.compile(r"[\s\u3000\-\u2010-\u2015\u2212\u30fc\uff0d\uff70]+")

_ASCII_DIGITS = re.compile(r"[0-9]+")


def _clean(s: str) -> str:
    """Full-width → ASCII and drop separators; no validation."""
    return _SEPARATORS.sub("", s.translate(_FULLWIDTH))


def _is_ascii_digits(s: str, length: int | None = None) -> bool:
    # str.isdigit() also accepts e.g. Arabic-Indic digits and superscripts: be explicit.
    return _ASCII_DIGITS.fullmatch(s) is not None and (length is None or len(s) == length)


# ---------------------------------------------------------------------------------------
# 法人番号
# ---------------------------------------------------------------------------------------


def corporate_number_check_digit(base12: str) -> int:
    """The check digit (1–9) for the 12-digit base of a 法人番号.

    ``base12`` must be exactly 12 ASCII digits (no normalization: this is the arithmetic
    core, used by the parsers after they have cleaned the input).
    """
    if not _is_ascii_digits(base12, CORPORATE_NUMBER_LENGTH - 1):
        raise DomainError(
            "corporate_number.base_format",
            "法人番号の基礎番号は12桁の数字で指定してください",
            field="corporate_number",
        )
    total = 0
    # n counts from the right starting at 1: odd n weighs 1, even n weighs 2.
    for n, ch in enumerate(reversed(base12), start=1):
        total += int(ch) * (1 if n % 2 == 1 else 2)
    return 9 - total % 9


def _corporate_number_errors(digits: str, *, field_name: str) -> None:
    """Raise for a cleaned string that is not a 13-digit 法人番号 (format only)."""
    if not digits:
        raise DomainError(
            "corporate_number.required", "法人番号を入力してください", field=field_name
        )
    if not _is_ascii_digits(digits):
        raise DomainError(
            "corporate_number.non_digit",
            "法人番号は13桁の数字で入力してください（数字以外の文字が含まれています）",
            field=field_name,
        )
    if len(digits) != CORPORATE_NUMBER_LENGTH:
        raise DomainError(
            "corporate_number.length",
            f"法人番号は13桁の数字で入力してください（入力は{len(digits)}桁です）",
            field=field_name,
            params={"digits": len(digits)},
        )


def _check_digit_ok(digits13: str) -> bool:
    return corporate_number_check_digit(digits13[1:]) == int(digits13[0])


@dataclass(frozen=True, slots=True)
class CorporateNumber:
    """A 法人番号 whose format and check digit have been verified.

    Construct it with :func:`parse_corporate_number` (which normalizes user input); the
    constructor itself accepts only the canonical 13 ASCII digits.
    """

    value: str

    def __post_init__(self) -> None:
        _corporate_number_errors(self.value, field_name="corporate_number")
        if not _check_digit_ok(self.value):
            raise DomainError(
                "corporate_number.check_digit",
                "法人番号のチェックデジットが正しくありません",
                field="corporate_number",
            )

    def __str__(self) -> str:
        return self.value


def normalize_corporate_number(s: str) -> str:
    """13 ASCII digits from user input, or DomainError; the check digit is NOT verified.

    Accepts full-width digits, spaces (ASCII and full-width) and hyphens or other dashes
    anywhere, e.g. ``"1-1803-0101-8771"`` or ``"１１８０３０１０１８７７１"``.
    """
    digits = _clean(s)
    _corporate_number_errors(digits, field_name="corporate_number")
    return digits


def parse_corporate_number(s: str) -> CorporateNumber:
    """Normalize and fully validate a 法人番号 (format and check digit).

    Error codes: ``corporate_number.required``, ``corporate_number.non_digit``,
    ``corporate_number.length``, ``corporate_number.check_digit``.
    """
    return CorporateNumber(normalize_corporate_number(s))


def is_valid_corporate_number(s: str) -> bool:
    """Whether ``s`` (after normalization) is a well-formed 法人番号 with a valid check digit."""
    try:
        parse_corporate_number(s)
    except DomainError:
        return False
    return True


def company_registry_number(corporate_number: str) -> str:
    """The 12-digit 会社法人等番号 of a registered company, from its 13-digit 法人番号.

    A company registered in the commercial register (商業登記) is given the 会社法人等番号 by
    the 登記所 (商業登記法 第7条); its 法人番号 is that number with a check digit in front
    (法人番号の指定等に関する省令 第2条). Registry filings such as the 債権譲渡登記 ask for the
    会社法人等番号, not the 法人番号. The 法人番号 is validated (format and check digit) first:
    a mistyped number must not turn silently into a wrong registry number.
    """
    return parse_corporate_number(corporate_number).value[1:]


# ---------------------------------------------------------------------------------------
# 適格請求書発行事業者登録番号
# ---------------------------------------------------------------------------------------

_INVOICE_FIELD = "invoice_registration_number"
_INVOICE_FORMAT_MESSAGE = "登録番号は「T」＋13桁の数字で入力してください"
_INVOICE_PATTERN = re.compile(r"T[0-9]{13}")


@dataclass(frozen=True, slots=True)
class InvoiceRegistrationNumber:
    """A well-formed 適格請求書発行事業者登録番号 such as ``"T1180301018771"``.

    ``corporate_number`` is set when the digits are known (or allowed) to be a 法人番号 and
    pass its check digit; it is ``None`` for sole proprietors and for numbers whose check
    digit fails. It takes no part in equality: two objects with the same ``value`` are the
    same registration number.
    """

    value: str
    corporate_number: CorporateNumber | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if _INVOICE_PATTERN.fullmatch(self.value) is None:
            raise DomainError(
                "invoice_registration_number.format", _INVOICE_FORMAT_MESSAGE, field=_INVOICE_FIELD
            )
        if self.corporate_number is not None and self.corporate_number.value != self.digits:
            raise DomainError(
                "invoice_registration_number.corporate_number_mismatch",
                "登録番号と法人番号が一致しません",
                field=_INVOICE_FIELD,
            )

    @property
    def digits(self) -> str:
        """The 13 digits after the "T"."""
        return self.value[1:]

    @property
    def check_digit_valid(self) -> bool:
        """Whether the digits pass the 法人番号 check digit (informative for sole proprietors)."""
        return _check_digit_ok(self.digits)

    def __str__(self) -> str:
        return self.value


def parse_invoice_registration_number(
    s: str, *, is_corporation: bool | None = None
) -> InvoiceRegistrationNumber:
    """Normalize and validate a T番号.

    Accepts full-width "Ｔ"/digits, a lowercase "t", spaces and hyphens. The "T" itself is
    required: 13 bare digits are rejected, because a bare 13-digit number in an invoice field
    is more often a 法人番号 typed into the wrong box than a T番号 missing its prefix.

    ``is_corporation``:
        ``True``  — the issuer is a corporation: the check digit is enforced and
        ``corporate_number`` is set.
        ``False`` — a sole proprietor: format only, ``corporate_number`` stays ``None``
        (a sole proprietor has no 法人番号 even if the digits happen to pass).
        ``None``  — unknown: format only; ``corporate_number`` is set when the check digit
        passes, as a hint.

    Error codes: ``invoice_registration_number.required``, ``.prefix``, ``.non_digit``,
    ``.length``, ``.check_digit``.
    """
    cleaned = _clean(s).upper()
    if not cleaned:
        raise DomainError(
            "invoice_registration_number.required",
            "登録番号を入力してください",
            field=_INVOICE_FIELD,
        )
    if not cleaned.startswith("T"):
        raise DomainError(
            "invoice_registration_number.prefix",
            f"{_INVOICE_FORMAT_MESSAGE}（先頭の「T」がありません）",
            field=_INVOICE_FIELD,
        )
    digits = cleaned[1:]
    if digits and not _is_ascii_digits(digits):
        raise DomainError(
            "invoice_registration_number.non_digit",
            f"{_INVOICE_FORMAT_MESSAGE}（数字以外の文字が含まれています）",
            field=_INVOICE_FIELD,
        )
    if len(digits) != CORPORATE_NUMBER_LENGTH:
        raise DomainError(
            "invoice_registration_number.length",
            f"{_INVOICE_FORMAT_MESSAGE}（数字が{len(digits)}桁です）",
            field=_INVOICE_FIELD,
            params={"digits": len(digits)},
        )
    valid = _check_digit_ok(digits)
    if is_corporation is True and not valid:
        raise DomainError(
            "invoice_registration_number.check_digit",
            "登録番号のチェックデジットが正しくありません（法人の登録番号は「T」＋法人番号です）",
            field=_INVOICE_FIELD,
        )
    corporate = CorporateNumber(digits) if valid and is_corporation is not False else None
    return InvoiceRegistrationNumber("T" + digits, corporate)


def invoice_registration_number_for(
    corporate_number: CorporateNumber | str,
) -> InvoiceRegistrationNumber:
    """The T番号 a corporation gets when it registers: "T" + its 法人番号.

    A string is parsed with :func:`parse_corporate_number` first. Registration itself is
    not implied: check the 国税庁 適格請求書発行事業者公表サイト for that.
    """
    if isinstance(corporate_number, str):
        corporate_number = parse_corporate_number(corporate_number)
    return InvoiceRegistrationNumber("T" + corporate_number.value, corporate_number)


# ---------------------------------------------------------------------------------------
# Bank-account parts (全銀フォーマット)
# ---------------------------------------------------------------------------------------


def _parse_fixed_digits(s: str, *, length: int, code: str, label: str) -> str:
    # Bank and branch codes are fixed-width codes, not numbers: "1" is not "0001" (a
    # user who typed "1" most likely meant something else), so no zero-filling here.
    # Only surrounding/inner whitespace is dropped; a hyphen has no business in a code.
    cleaned = re.sub(r"[\s\u3000]+", "", s.translate(_FULLWIDTH))
    if not cleaned:
        raise DomainError(f"{code}.required", f"{label}を入力してください", field=code)
    if not _is_ascii_digits(cleaned, length):
        raise DomainError(
            f"{code}.format", f"{label}は{length}桁の数字で入力してください", field=code
        )
    return cleaned


def parse_bank_code(s: str) -> str:
    """A 4-digit 金融機関コード (format only; see ``bank_codes.lookup_bank`` for existence).

    Error codes: ``bank_code.required``, ``bank_code.format``.
    """
    return _parse_fixed_digits(s, length=4, code="bank_code", label="金融機関コード")


def parse_branch_code(s: str) -> str:
    """A 3-digit 支店コード (format only; see ``bank_codes.lookup_branch`` for existence).

    Error codes: ``branch_code.required``, ``branch_code.format``.
    """
    return _parse_fixed_digits(s, length=3, code="branch_code", label="支店コード")


def parse_account_number(s: str) -> str:
    """A 口座番号 of 1–7 digits, returned zero-filled to 7 as 全銀 transfer files expect.

    Full-width digits, spaces and hyphens are accepted. An all-zero number is rejected: no
    bank issues it, and it is what an empty numeric field turns into, which must never
    reach a payout.

    Error codes: ``account_number.required``, ``account_number.format``,
    ``account_number.zero``.
    """
    cleaned = _clean(s)
    if not cleaned:
        raise DomainError(
            "account_number.required", "口座番号を入力してください", field="account_number"
        )
    if not _is_ascii_digits(cleaned) or len(cleaned) > ACCOUNT_NUMBER_LENGTH:
        raise DomainError(
            "account_number.format",
            "口座番号は7桁以内の数字で入力してください",
            field="account_number",
        )
    if int(cleaned) == 0:
        raise DomainError(
            "account_number.zero", "口座番号が正しくありません（0のみ）", field="account_number"
        )
    return cleaned.zfill(ACCOUNT_NUMBER_LENGTH)


class AccountType(enum.IntEnum):
    """預金種目 as coded in 全銀フォーマット (総合振込 data records)."""

    ORDINARY = 1
    CURRENT = 2
    SAVINGS = 4
    OTHER = 9

    @property
    def label(self) -> str:
        """The Japanese name: 普通 / 当座 / 貯蓄 / その他."""
        return _ACCOUNT_TYPE_LABELS[self]


_ACCOUNT_TYPE_LABELS: dict[AccountType, str] = {
    AccountType.ORDINARY: "普通",
    AccountType.CURRENT: "当座",
    AccountType.SAVINGS: "貯蓄",
    AccountType.OTHER: "その他",
}

# Words found on bank books and in CSV exports; "総合" (総合口座) is an ordinary account.
_ACCOUNT_TYPE_WORDS: dict[str, AccountType] = {
    "普通": AccountType.ORDINARY,
    "普通預金": AccountType.ORDINARY,
    "総合": AccountType.ORDINARY,
    "当座": AccountType.CURRENT,
    "当座預金": AccountType.CURRENT,
    "貯蓄": AccountType.SAVINGS,
    "貯蓄預金": AccountType.SAVINGS,
    "その他": AccountType.OTHER,
}


def parse_account_type(value: str | int) -> AccountType:
    """A 預金種目 from its code (1/2/4/9, int or string, full-width OK) or Japanese word.

    Error code: ``account_type.invalid``.
    """
    error = DomainError(
        "account_type.invalid",
        "預金種目は「普通」「当座」「貯蓄」「その他」のいずれかを指定してください",
        field="account_type",
    )
    # bool is an int subclass: True must not silently become 普通.
    if isinstance(value, bool):
        raise error
    if isinstance(value, int):
        code = value
    else:
        cleaned = re.sub(r"[\s\u3000]+", "", value.translate(_FULLWIDTH))
        if cleaned in _ACCOUNT_TYPE_WORDS:
            return _ACCOUNT_TYPE_WORDS[cleaned]
        if not _is_ascii_digits(cleaned, 1):
            raise error
        code = int(cleaned)
    try:
        return AccountType(code)
    except ValueError:
        raise error from None
