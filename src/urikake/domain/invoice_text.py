"""Field proposals from the text of a PDF invoice (請求書).

Two steps, both pure (bytes/str in, dataclasses out):

* :func:`extract_pdf_text` — the text layer of the first :data:`MAX_PAGES` pages, read with
  pypdf. Encrypted, broken, non-PDF and text-less (scanned) files are refused with a
  :class:`DomainError` (``pdf.*`` codes). No OCR is attempted.
* :func:`propose_invoice_fields` — regular-expression proposals for the fields of
  :class:`~urikake.domain.invoices.InvoiceData`, each with the snippet it came from so the
  applicant can check it. The rules are deliberately conservative: when a field is found
  more than once with different values, or a value fails a sanity check, nothing is
  proposed for it. A wrong proposal that is confirmed by a hurried user is worse than an
  empty box.

What is recognised follows the items a 適格請求書 must carry (消費税法 第57条の4 第1項;
国税庁「適格請求書等保存方式の概要 —インボイス制度の理解のために—」): the issuer's name and
登録番号 ("T" + 13 digits), the date, the per-rate (10% / 8% 軽減税率) taxable amounts and
consumption tax, and the recipient's name (「〇〇 御中」/「〇〇 様」) — plus what factoring
needs: the total (ご請求金額), the invoice number, the due date and the payee account.
Dates may be western (2026年11月1日, 2026/11/01, 2026-11-01) or 和暦 (令和8年11月1日; 令和
began 2019-05-01 and 平成 1989-01-08, per 元号を改める政令 (平成31年政令第143号) and
(昭和64年政令第1号)).

Text is matched on a copy in which full-width ASCII (digits, letters, "，", "：", "（）",
"％", "￥") and the ideographic space are replaced one character for one with their ASCII
forms, so positions match the original and names are proposed exactly as written.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import (
    parse_account_number,
    parse_account_type,
    parse_invoice_registration_number,
)
from urikake.domain.invoices import InvoiceData, PayeeAccount, TaxBreakdown
from urikake.domain.money import yen

__all__ = [
    "MAX_PAGES",
    "MAX_PDF_BYTES",
    "Proposal",
    "ProposedInvoice",
    "extract_pdf_text",
    "normalize_text",
    "parse_japanese_date",
    "propose_invoice_fields",
]

MAX_PAGES = 5
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 200_000

T = TypeVar("T")


# ---------------------------------------------------------------------------------------
# PDF text
# ---------------------------------------------------------------------------------------


def extract_pdf_text(data: bytes, *, max_pages: int = MAX_PAGES) -> str:
    """The text of the first ``max_pages`` pages of a PDF (pages joined with newlines).

    Error codes: ``pdf.invalid_type``, ``pdf.too_large``, ``pdf.not_pdf``, ``pdf.broken``,
    ``pdf.encrypted``, ``pdf.no_text``.
    """
    if not isinstance(data, bytes | bytearray):
        raise DomainError("pdf.invalid_type", "PDFデータはバイト列で渡してください。", field="file")
    if len(data) > MAX_PDF_BYTES:
        raise DomainError("pdf.too_large", "PDFファイルが大きすぎます（上限20MB）。", field="file")
    if b"%PDF-" not in bytes(data[:1024]):
        raise DomainError("pdf.not_pdf", "PDFファイルではありません。", field="file")
    broken = DomainError("pdf.broken", "PDFファイルが壊れているため読み取れません。", field="file")
    from pypdf import PdfReader  # loaded with the first upload, not with every command

    try:
        reader = PdfReader(io.BytesIO(bytes(data)))
        encrypted = reader.is_encrypted
    except Exception as exc:  # untrusted input: pypdf raises many exception types
        raise broken from exc
    if encrypted:
        raise DomainError(
            "pdf.encrypted",
            "パスワードで保護（暗号化）されたPDFは読み取れません。保護を解除したPDFを"
            "アップロードしてください。",
            field="file",
        )
    texts: list[str] = []
    total = 0
    try:
        for index, page in enumerate(reader.pages):
            if index >= max_pages:
                break
            text = page.extract_text() or ""
            texts.append(text)
            total += len(text)
            if total > MAX_TEXT_CHARS:
                break
    except Exception as exc:  # untrusted input
        raise broken from exc
    result = "\n".join(texts)[:MAX_TEXT_CHARS]
    if not result.strip():
        raise DomainError(
            "pdf.no_text",
            "PDFから文字を読み取れませんでした（画像をスキャンしたPDFには対応していません）。",
            field="file",
        )
    return result


# ---------------------------------------------------------------------------------------
# Normalisation and small parsers
# ---------------------------------------------------------------------------------------

_NORMALIZE: dict[int, str] = {c: chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_NORMALIZE.update(
    {
        0x3000: " ",  # ideographic space
        0xFFE5: "¥",  # fullwidth yen sign
        0x00A0: " ",
        0x2010: "-",
        0x2011: "-",
        0x2012: "-",
        0x2013: "-",
        0x2014: "-",
        0x2015: "-",
        0x2212: "-",
        0xFF70: "-",  # halfwidth prolonged sound mark
    }
)


def normalize_text(text: str) -> str:
    """Full-width ASCII → ASCII, ideographic space → space, dashes → "-"; length-preserving."""
    return text.translate(_NORMALIZE)


# Up to 13 digits (a trillion yen): bounded, and never a piece of a longer number.
_AMOUNT = r"(?<![\d,.])(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,13})(?![\d,]|\.\d)"
_WAREKI = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_KANJI_DATE = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})(?!\d)")
_ERAS = {
    "令和": (2018, date(2019, 5, 1), date.max),
    "平成": (1988, date(1989, 1, 8), date(2019, 4, 30)),
}
_DATE_PATTERN = (
    r"(?:(?:令和|平成)\s*(?:元|\d{1,2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}(?P<sep>[/.\-])\d{1,2}(?P=sep)\d{1,2}(?!\d))"
)


def parse_japanese_date(text: str) -> date | None:
    """A date written as 令和8年11月1日, 2026年11月1日 or 2026/11/01 (also "-" or "."), or None.

    Full-width digits are accepted. A 和暦 date outside its era (令和1年4月1日) is None.
    """
    s = normalize_text(text).strip()
    m = _WAREKI.fullmatch(s)
    if m:
        offset, first, last = _ERAS[m.group(1)]
        year = 1 if m.group(2) == "元" else int(m.group(2))
        d = _safe_date(offset + year, int(m.group(3)), int(m.group(4)))
        return d if d is not None and first <= d <= last else None
    m = _KANJI_DATE.fullmatch(s)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DATE.fullmatch(s)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _amount(text: str) -> int:
    return yen(text)


# ---------------------------------------------------------------------------------------
# Proposals
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Proposal(Generic[T]):
    """A proposed value and the text (one or two lines of the original) it was read from."""

    value: T
    snippet: str


_REQUIRED = (
    "issuer_name",
    "debtor_name",
    "invoice_number",
    "issue_date",
    "due_date",
    "total_amount",
)
_LABELS = {
    "issuer_name": "請求元（発行者）",
    "debtor_name": "売掛先（請求先）",
    "invoice_number": "請求書番号",
    "issue_date": "請求日",
    "due_date": "支払期日",
    "total_amount": "請求金額",
}


@dataclass(frozen=True, slots=True)
class ProposedInvoice:
    """Proposals read from an invoice's text; ``None`` where nothing reliable was found."""

    issuer_name: Proposal[str] | None = None
    issuer_registration_number: Proposal[str] | None = None
    debtor_name: Proposal[str] | None = None
    invoice_number: Proposal[str] | None = None
    issue_date: Proposal[date] | None = None
    due_date: Proposal[date] | None = None
    total_amount: Proposal[int] | None = None
    tax_breakdown: Proposal[tuple[TaxBreakdown, ...]] | None = None
    payee: Proposal[PayeeAccount] | None = None

    def missing_fields(self) -> tuple[str, ...]:
        """Names of the fields InvoiceData requires that were not proposed."""
        return tuple(name for name in _REQUIRED if getattr(self, name) is None)

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields()

    def as_dict(self) -> dict[str, object]:
        """``{field: value-or-None}`` (snippets dropped), for forms and JSON."""
        return {
            f.name: (p.value if (p := getattr(self, f.name)) is not None else None)
            for f in fields(self)
        }

    def to_invoice_data(self) -> InvoiceData:
        """The proposals as :class:`InvoiceData`; DomainError listing what is missing."""
        missing = self.missing_fields()
        if (
            missing
            or self.issuer_name is None
            or self.debtor_name is None
            or self.invoice_number is None
            or self.issue_date is None
            or self.due_date is None
            or self.total_amount is None
        ):
            names = "・".join(_LABELS[name] for name in missing)
            raise DomainError(
                "invoice_text.incomplete",
                f"請求書から読み取れなかった項目があります: {names}",
                field=missing[0] if missing else None,
            )
        return InvoiceData(
            issuer_name=self.issuer_name.value,
            debtor_name=self.debtor_name.value,
            invoice_number=self.invoice_number.value,
            issue_date=self.issue_date.value,
            due_date=self.due_date.value,
            total_amount=self.total_amount.value,
            issuer_registration_number=(
                self.issuer_registration_number.value if self.issuer_registration_number else ""
            ),
            tax_breakdown=self.tax_breakdown.value if self.tax_breakdown else (),
            payee=self.payee.value if self.payee else None,
        )


@dataclass(frozen=True, slots=True)
class _Line:
    original: str
    norm: str


def _unique(found: Iterable[tuple[T, str]]) -> Proposal[T] | None:
    """The proposal when every match agrees on the value; None when none or conflicting."""
    values: dict[T, str] = {}
    for value, snippet in found:
        values.setdefault(value, snippet)
    if len(values) != 1:
        return None
    ((value, snippet),) = values.items()
    return Proposal(value, snippet)


def _first_group(
    groups: Iterable[Callable[[], list[tuple[T, str]]]],
) -> Proposal[T] | None:
    """Try label groups in priority order; the first group with matches decides."""
    for group in groups:
        found = group()
        if found:
            return _unique(found)
    return None


# Dates ----------------------------------------------------------------------------------

_ISSUE_LABELS = r"(?:請求日|発行日|請求年月日|発行年月日|請求書発行日)"
_DUE_LABELS = (
    r"(?:お?支払(?:い)?期日|お?支払(?:い)?期限|お?振込期日|お?振込期限|お?支払(?:い)?予定日"
    r"|お?支払日)"
)


def _dated(lines: list[_Line], labels: str) -> Proposal[date] | None:
    pattern = re.compile(rf"{labels}(?:日|付)?\s*:?\s*(?P<date>{_DATE_PATTERN})")
    found: list[tuple[date, str]] = []
    for line in lines:
        for m in pattern.finditer(line.norm):
            d = parse_japanese_date(m.group("date"))
            if d is None:
                return None  # a labelled date we cannot read: propose nothing
            found.append((d, line.original.strip()))
    return _unique(found)


# Invoice number -------------------------------------------------------------------------

_NUMBER_RE = r"(?P<num>[A-Za-z0-9][A-Za-z0-9\-_/.#]{0,39})(?![A-Za-z0-9\-_/#])"


def _invoice_number(lines: list[_Line]) -> Proposal[str] | None:
    strong = re.compile(rf"(?:請求書番号|請求番号|請求書No\.?|請求書NO\.?)\s*:?\s*{_NUMBER_RE}")
    weak = re.compile(rf"(?<![A-Za-z])(?:No|NO)\.?\s*:?\s*{_NUMBER_RE}")

    def search(pattern: re.Pattern[str]) -> Callable[[], list[tuple[str, str]]]:
        def run() -> list[tuple[str, str]]:
            out: list[tuple[str, str]] = []
            for line in lines:
                for m in pattern.finditer(line.norm):
                    value = m.group("num").rstrip(".")
                    if any(ch.isdigit() for ch in value):
                        out.append((value, line.original.strip()))
            return out

        return run

    return _first_group([search(strong), search(weak)])


# Amounts --------------------------------------------------------------------------------

_TAX_INCL = r"(?:\((?:税込|税込み|消費税込|消費税込み)\))?"


def _total_amount(lines: list[_Line]) -> Proposal[int] | None:
    def search(labels: str) -> Callable[[], list[tuple[int, str]]]:
        pattern = re.compile(
            # Not a per-rate subtotal, the tax, a tax-exclusive sum or last period's amount.
            r"(?<!対象)(?<!消費税)(?<!税抜)(?<!前回)(?<!前回ご)(?<!前月)(?<!前月ご)"
            rf"(?:{labels})\s*{_TAX_INCL}\s*:?\s*{_TAX_INCL}\s*¥?\s*"
            rf"(?P<amount>{_AMOUNT})"
        )

        def run() -> list[tuple[int, str]]:
            return [
                (_amount(m.group("amount")), line.original.strip())
                for line in lines
                for m in pattern.finditer(line.norm)
            ]

        return run

    result = _first_group(
        [
            search(r"ご請求金額|請求金額|お支払金額|ご請求額|請求額"),
            search(r"税込合計金額|税込合計|合計金額\(税込\)|総合計|総額"),
            search(r"合計金額|合計"),
        ]
    )
    if result is not None and result.value <= 0:
        return None
    return result


_RATES = {"10": Decimal("0.10"), "8": Decimal("0.08")}
_BREAKDOWN = re.compile(
    r"(?:軽減税率\s*)?(?<![\d.])(?P<rate>10|8)\s*%\s*(?:\(軽減(?:税率)?\)\s*)?対象(?:額|金額|計)?\s*"
    r"(?:\((?:税抜|税抜き|(?P<incl>税込|税込み))\))?\s*:?\s*¥?\s*(?P<base>" + _AMOUNT + r")\s*円?"
)
_BREAKDOWN_TAX = re.compile(
    r"^\s*[(/,]?\s*(?P<inner>内|うち)?\s*消費税(?:額)?(?:等)?\s*(?:\(\s*(?:10|8)\s*%\s*\))?\s*:?\s*"
    r"¥?\s*(?P<tax>" + _AMOUNT + r")"
)


def _tax_breakdown(lines: list[_Line]) -> Proposal[tuple[TaxBreakdown, ...]] | None:
    by_rate: dict[Decimal, TaxBreakdown] = {}
    snippets: list[str] = []
    for i, line in enumerate(lines):
        for m in _BREAKDOWN.finditer(line.norm):
            rate = _RATES[m.group("rate")]
            base = _amount(m.group("base"))
            rest = line.norm[m.end() :]
            snippet = line.original.strip()
            t = _BREAKDOWN_TAX.match(rest)
            if t is None and not rest.strip() and i + 1 < len(lines):
                t = _BREAKDOWN_TAX.match(lines[i + 1].norm)
                snippet = f"{snippet} {lines[i + 1].original.strip()}"
            if t is None:
                return None  # a per-rate line without its tax: do not guess
            tax = _amount(t.group("tax"))
            taxable = base - tax if t.group("inner") or m.group("incl") else base
            # One rounding per rate: the tax is within 1 yen of taxable × rate.
            if taxable < 0 or abs(Decimal(tax) - taxable * rate) >= 1:
                return None
            entry = TaxBreakdown(rate=rate, taxable_amount=taxable, tax_amount=tax)
            if by_rate.setdefault(rate, entry) != entry:
                return None
            if snippet not in snippets:
                snippets.append(snippet)
    if not by_rate:
        return None
    return Proposal(tuple(by_rate.values()), " / ".join(snippets))


# Registration number --------------------------------------------------------------------

_T_NUMBER = re.compile(r"(?<![A-Za-z0-9])[Tt][\s\-ー]*(?:\d[\s\-ー]?){12}\d(?!\d)")


def _registration_numbers(lines: list[_Line]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        for m in _T_NUMBER.finditer(line.norm):
            try:
                out.append((parse_invoice_registration_number(m.group(0)).value, i))
            except DomainError:
                continue
    return out


def _registration_number(lines: list[_Line]) -> tuple[Proposal[str] | None, int | None]:
    found = _registration_numbers(lines)
    distinct = {value for value, _ in found}
    if len(distinct) > 1:
        labelled = [(v, i) for v, i in found if "登録番号" in lines[i].norm]
        found = labelled
        distinct = {value for value, _ in found}
    if len(distinct) != 1:
        return None, None
    value, index = found[0]
    return Proposal(value, lines[index].original.strip()), index


# Names ----------------------------------------------------------------------------------

_HONORIFIC = re.compile(r"^(?P<name>.+?)\s*(?P<honorific>御中|様)(?=\s|$)")
_COMPANY_FORM = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人"
    r"|公益財団法人|医療法人|社会福祉法人|特定非営利活動法人|\((?:株|有|同)\)|㈱|㈲"
)
_ADDRESS = re.compile(r"\d|〒|TEL|FAX|電話|E-?mail", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"[:。、]|口座|名義|振込|銀行|請求|支払|登録番号|TEL|FAX|電話|〒|http|@|御中|様(?:\s|$)"
)


def _debtor_candidates(lines: list[_Line]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for i, line in enumerate(lines):
        stripped = line.original.strip()
        m = _HONORIFIC.match(normalize_text(stripped))
        if m is None:
            continue
        name = stripped[: m.end("name")].strip()
        if (
            not name
            or len(name) > 60
            or ":" in m.group("name")
            or name.endswith(("お客", "各位"))
            or re.search(r"請求|支払|振込", name)
        ):
            continue
        out.append((name, i))
    return out


def _debtor(lines: list[_Line]) -> tuple[Proposal[str] | None, set[int]]:
    candidates = _debtor_candidates(lines)
    indexes = {i for _, i in candidates}
    proposal = _unique((name, lines[i].original.strip()) for name, i in candidates)
    return proposal, indexes


def _issuer(lines: list[_Line], t_index: int | None, excluded: set[int]) -> Proposal[str] | None:
    def plausible(i: int) -> str | None:
        if i in excluded:
            return None
        text = lines[i].original.strip()
        if not 2 <= len(text) <= 40 or _NOT_A_NAME.search(normalize_text(text)):
            return None
        return text

    # A: the name printed just above (or before) the 登録番号, skipping address lines.
    near: str | None = None
    if t_index is not None:
        line = lines[t_index]
        head = re.split(r"登録番号|[Tt][\s\-ー]*\d", line.norm, maxsplit=1)[0]
        head = line.original[: len(head)].strip().rstrip(":：")
        if 2 <= len(head) <= 40 and not _NOT_A_NAME.search(normalize_text(head)):
            near = head
        else:
            for j in range(t_index - 1, max(-1, t_index - 4), -1):
                if not lines[j].norm.strip() or _ADDRESS.search(lines[j].norm):
                    continue
                near = plausible(j)
                break
    # B: the only line that looks like a company name and is not the addressee.
    companies = {
        name
        for i, line in enumerate(lines)
        if _COMPANY_FORM.search(line.norm) and (name := plausible(i)) is not None
    }
    company = next(iter(companies)) if len(companies) == 1 else None
    if near and company and near != company:
        return None
    value = near or company
    return Proposal(value, value) if value else None


# Payee ----------------------------------------------------------------------------------

_PAYEE = re.compile(
    r"(?P<bank>[^\s:()]+?(?:銀行|信用金庫|信用組合|労働金庫|農業協同組合|信金|信組|農協))\s*"
    r"(?P<branch>[^\s:()]+?(?:店|営業部|出張所|支所))\s*"
    r"\(?(?P<type>普通|当座|貯蓄)(?:預金)?\)?\s*(?:口座番号)?\s*:?\s*(?:No\.?)?\s*"
    r"(?P<num>\d{1,7})(?![\d])"
)
_HOLDER = re.compile(r"(?:口座)?名義(?:人)?\s*:?\s*(?P<holder>\S.*?)\s*$")


def _payee(lines: list[_Line]) -> Proposal[PayeeAccount] | None:
    found: list[tuple[PayeeAccount, str]] = []
    for i, line in enumerate(lines):
        for m in _PAYEE.finditer(line.norm):
            holder = ""
            snippet = line.original.strip()
            for j in range(i, min(i + 3, len(lines))):
                start = m.end() if j == i else 0
                h = _HOLDER.search(lines[j].norm, start)
                if h is not None:
                    holder = lines[j].original[h.start("holder") : h.end("holder")].strip()
                    if j != i:
                        snippet = f"{snippet} {lines[j].original.strip()}"
                    break
            try:
                account = PayeeAccount(
                    bank_name=line.original[m.start("bank") : m.end("bank")],
                    branch_name=line.original[m.start("branch") : m.end("branch")],
                    account_type=int(parse_account_type(m.group("type"))),
                    account_number=parse_account_number(m.group("num")),
                    holder_name=holder,
                )
            except DomainError:
                continue
            found.append((account, snippet))
    return _unique(found)


# Entry point ----------------------------------------------------------------------------


def propose_invoice_fields(text: str) -> ProposedInvoice:
    """Propose InvoiceData fields from an invoice's text (e.g. :func:`extract_pdf_text`)."""
    lines = [
        _Line(original, normalize_text(original)) for original in text[:MAX_TEXT_CHARS].splitlines()
    ]
    registration, t_index = _registration_number(lines)
    debtor, debtor_lines = _debtor(lines)
    return ProposedInvoice(
        issuer_name=_issuer(lines, t_index, debtor_lines),
        issuer_registration_number=registration,
        debtor_name=debtor,
        invoice_number=_invoice_number(lines),
        issue_date=_dated(lines, _ISSUE_LABELS),
        due_date=_dated(lines, _DUE_LABELS),
        total_amount=_total_amount(lines),
        tax_breakdown=_tax_breakdown(lines),
        payee=_payee(lines),
    )
