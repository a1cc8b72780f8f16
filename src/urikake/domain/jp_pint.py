"""JP PINT (Peppol International invoice model, Japan) e-invoices → :class:`InvoiceData`.

JP PINT is the Japanese specialisation of Peppol PINT Billing, serialised as an OASIS UBL 2.1
``Invoice`` document (namespace ``urn:oasis:names:specification:ubl:schema:xsd:Invoice-2``).
Sources: Peppol Authority Japan (デジタル庁) "JP PINT Billing" specification and its
UBL syntax binding (docs.peppol.eu/poac/jp/pint-jp/), OASIS UBL 2.1 (Invoice-2 schema),
and the ISO/IEC 6523 ICD list (``0188`` = Corporate Number of the Social Security and Tax
Number System of Japan, i.e. 法人番号).

Elements read (``cbc:`` = CommonBasicComponents-2, ``cac:`` = CommonAggregateComponents-2):

===============================  ===========================================================
InvoiceData field                 JP PINT / UBL 2.1 element (business term)
===============================  ===========================================================
invoice_number                    ``cbc:ID`` (IBT-001)
issue_date                        ``cbc:IssueDate`` (IBT-002)
due_date                          ``cbc:DueDate`` (IBT-009); else
                                  ``cac:PaymentMeans/cbc:PaymentDueDate`` or
                                  ``cac:PaymentTerms/cbc:PaymentDueDate``
currency                          ``cbc:DocumentCurrencyCode`` (IBT-005) — must be ``JPY``
issuer_name                       ``cac:AccountingSupplierParty/cac:Party/
                                  cac:PartyLegalEntity/cbc:RegistrationName`` (IBT-027);
                                  else ``cac:PartyName/cbc:Name`` (IBT-028)
issuer_registration_number        ``…SupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID``
                                  (IBT-031: the 適格請求書発行事業者登録番号 "T" + 13 digits;
                                  JP PINT puts it here with ``cac:TaxScheme/cbc:ID`` = VAT,
                                  *not* under scheme 0188, which is the bare 法人番号)
debtor_name                       ``cac:AccountingCustomerParty/…/cbc:RegistrationName``
                                  (IBT-044); else ``cac:PartyName/cbc:Name``
debtor_corporate_number           the customer's identifier with ``schemeID="0188"``:
                                  ``cac:PartyLegalEntity/cbc:CompanyID`` (IBT-047), else
                                  ``cac:PartyIdentification/cbc:ID`` (IBT-046), else
                                  ``cbc:EndpointID`` (IBT-049)
tax_breakdown                     each ``cac:TaxTotal/cac:TaxSubtotal`` (IBG-23):
                                  ``cbc:TaxableAmount``, ``cbc:TaxAmount``,
                                  ``cac:TaxCategory/cbc:Percent``
total_amount                      ``cac:LegalMonetaryTotal/cbc:PayableAmount`` (IBT-115);
                                  else ``cbc:TaxInclusiveAmount`` (IBT-112)
payee                             first ``cac:PaymentMeans/cac:PayeeFinancialAccount``:
                                  ``cbc:ID`` 口座番号 (IBT-084), ``cbc:Name`` 名義 (IBT-085),
                                  ``cbc:AccountTypeCode`` 預金種目 (optional),
                                  ``cac:FinancialInstitutionBranch/cbc:ID`` 支店コード (3
                                  digits) or 金融機関コード+支店コード (7 digits) (IBT-086),
                                  its ``cbc:Name`` 支店名 and
                                  ``cac:FinancialInstitution/cbc:ID``/``cbc:Name``
===============================  ===========================================================

Parsing is defensive: the document is parsed with :mod:`defusedxml` and any DTD, entity
declaration or external reference is refused (XXE, billion laughs); input is capped at
:data:`MAX_DOCUMENT_BYTES`. Any problem raises :class:`DomainError` (codes ``jp_pint.*``)
naming the element, and no partial result is ever returned. Amounts must be whole yen
(``"1000"`` or ``"1000.00"``; ``"1000.5"`` is refused).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError  # nosec B405 # typing and ParseError only; parsing goes through defusedxml

import defusedxml  # type: ignore[import-untyped]
import defusedxml.ElementTree as safe_et  # type: ignore[import-untyped]

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import (
    parse_account_number,
    parse_account_type,
    parse_corporate_number,
    parse_invoice_registration_number,
)
from urikake.domain.invoices import InvoiceData, PayeeAccount, TaxBreakdown
from urikake.domain.money import yen

__all__ = ["CORPORATE_NUMBER_SCHEME", "MAX_DOCUMENT_BYTES", "parse_jp_pint"]

UBL_INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC_NS = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
_NS = {"cac": CAC_NS, "cbc": CBC_NS}

# ISO/IEC 6523 ICD for 法人番号 (used by JP PINT for EndpointID / party identifiers).
CORPORATE_NUMBER_SCHEME = "0188"

# A real invoice is a few hundred kilobytes at most; refuse anything absurd before parsing.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?")
_PERCENT = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,4})?")
_DIGITS = re.compile(r"[0-9]+")


def _err(code: str, message: str, path: str) -> DomainError:
    return DomainError(f"jp_pint.{code}", message, field=path)


def _parse_xml(data: bytes) -> Element:
    if not isinstance(data, bytes | bytearray):
        raise _err("invalid_type", "XMLデータはバイト列で渡してください。", "/")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _err("too_large", "XMLファイルが大きすぎます（上限5MB）。", "/")
    if not data.strip():
        raise _err("empty", "XMLファイルが空です。", "/")
    try:
        root = safe_et.fromstring(
            bytes(data), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden) as exc:
        raise _err(
            "dtd_forbidden",
            "DTD（DOCTYPE宣言）やエンティティ宣言を含むXMLは安全のため受け付けられません。",
            "/",
        ) from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise _err(
            "external_reference_forbidden", "外部参照を含むXMLは受け付けられません。", "/"
        ) from exc
    except (ParseError, ValueError, LookupError, RecursionError) as exc:
        raise _err("malformed", "XMLとして読み取れません（形式が壊れています）。", "/") from exc
    if not isinstance(root, Element):  # pragma: no cover - defensive
        raise _err("malformed", "XMLとして読み取れません。", "/")
    return root


def _text(node: Element | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.strip()


def _find_text(parent: Element, path: str) -> str:
    return _text(parent.find(path, _NS))


def _require_text(parent: Element, path: str, full_path: str, label: str) -> str:
    value = _find_text(parent, path)
    if not value:
        raise _err("missing", f"必須項目「{label}」（{full_path}）がありません。", full_path)
    return value


def _parse_date(value: str, full_path: str, label: str) -> date:
    if _ISO_DATE.fullmatch(value) is None:
        raise _err(
            "invalid_date",
            f"「{label}」（{full_path}）の日付形式が正しくありません（YYYY-MM-DD）。",
            full_path,
        )
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise _err(
            "invalid_date", f"「{label}」（{full_path}）は存在しない日付です。", full_path
        ) from exc


def _parse_amount(node: Element | None, full_path: str, label: str) -> int:
    value = _text(node)
    if not value:
        raise _err("missing", f"必須項目「{label}」（{full_path}）がありません。", full_path)
    if _AMOUNT.fullmatch(value) is None:
        raise _err(
            "invalid_amount", f"「{label}」（{full_path}）の金額形式が正しくありません。", full_path
        )
    currency = (node.get("currencyID") or "").strip() if node is not None else ""
    if currency and currency != "JPY":
        raise _err(
            "currency",
            f"「{label}」（{full_path}）が円建てではありません（{currency}）。",
            full_path,
        )
    try:
        return yen(value)  # the regex leaves only "-123" or "123.45" for it
    except DomainError as exc:
        raise _err(
            "fractional_yen",
            f"「{label}」（{full_path}）に1円未満の端数があります（{value}）。",
            full_path,
        ) from exc


def _party(root: Element, role: str) -> tuple[Element, str]:
    path = f"cac:{role}/cac:Party"
    party = root.find(path, _NS)
    if party is None:
        label = "売り手" if role == "AccountingSupplierParty" else "買い手"
        raise _err(
            "missing", f"必須項目「{label}」（/Invoice/{path}）がありません。", f"/Invoice/{path}"
        )
    return party, f"/Invoice/{path}"


def _party_name(party: Element, base: str, label: str) -> str:
    name = _find_text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _find_text(
        party, "cac:PartyName/cbc:Name"
    )
    if not name:
        path = f"{base}/cac:PartyLegalEntity/cbc:RegistrationName"
        raise _err("missing", f"必須項目「{label}」（{path}）がありません。", path)
    return name


def _registration_number(supplier: Element, base: str) -> str:
    for scheme in supplier.findall("cac:PartyTaxScheme", _NS):
        value = _find_text(scheme, "cbc:CompanyID")
        if not value:
            continue
        tax_scheme = _find_text(scheme, "cac:TaxScheme/cbc:ID")
        if tax_scheme and tax_scheme != "VAT":
            continue
        path = f"{base}/cac:PartyTaxScheme/cbc:CompanyID"
        try:
            return parse_invoice_registration_number(value).value
        except DomainError as exc:
            raise DomainError(exc.code, exc.message, field=path) from exc
    return ""


def _debtor_corporate_number(customer: Element, base: str) -> str:
    for rel in (
        "cac:PartyLegalEntity/cbc:CompanyID",
        "cac:PartyIdentification/cbc:ID",
        "cbc:EndpointID",
    ):
        for node in customer.findall(rel, _NS):
            if (node.get("schemeID") or "").strip() != CORPORATE_NUMBER_SCHEME:
                continue
            value = _text(node)
            if not value:
                continue
            try:
                return parse_corporate_number(value).value
            except DomainError as exc:
                raise DomainError(exc.code, exc.message, field=f"{base}/{rel}") from exc
    return ""


def _percent_to_rate(value: str, path: str) -> Decimal:
    if _PERCENT.fullmatch(value) is None:
        raise _err("invalid_percent", f"税率（{path}）の形式が正しくありません。", path)
    percent = Decimal(value)
    if percent > 100:
        raise _err("invalid_percent", f"税率（{path}）が100%を超えています。", path)
    # 10 → 0.10, 8 → 0.08 (two places, as rates are written in the domain); 7.5 → 0.075.
    rate = percent / 100
    return rate.quantize(Decimal("0.01")) if rate == rate.quantize(Decimal("0.01")) else rate


def _tax_breakdown(root: Element) -> tuple[TaxBreakdown, ...]:
    out: list[TaxBreakdown] = []
    base = "/Invoice/cac:TaxTotal/cac:TaxSubtotal"
    for total in root.findall("cac:TaxTotal", _NS):
        for i, sub in enumerate(total.findall("cac:TaxSubtotal", _NS), start=1):
            here = f"{base}[{i}]"
            percent = _find_text(sub, "cac:TaxCategory/cbc:Percent")
            if not percent:
                path = f"{here}/cac:TaxCategory/cbc:Percent"
                raise _err("missing", f"必須項目「税率」（{path}）がありません。", path)
            out.append(
                TaxBreakdown(
                    rate=_percent_to_rate(percent, f"{here}/cac:TaxCategory/cbc:Percent"),
                    taxable_amount=_parse_amount(
                        sub.find("cbc:TaxableAmount", _NS),
                        f"{here}/cbc:TaxableAmount",
                        "課税対象額",
                    ),
                    tax_amount=_parse_amount(
                        sub.find("cbc:TaxAmount", _NS), f"{here}/cbc:TaxAmount", "消費税額"
                    ),
                )
            )
    if not out:
        raise _err("missing", f"必須項目「税率ごとの内訳」（{base}）がありません。", base)
    return tuple(out)


def _due_date(root: Element) -> date:
    for path in (
        "cbc:DueDate",
        "cac:PaymentMeans/cbc:PaymentDueDate",
        "cac:PaymentTerms/cbc:PaymentDueDate",
    ):
        value = _find_text(root, path)
        if value:
            return _parse_date(value, f"/Invoice/{path}", "支払期日")
    raise _err(
        "missing",
        "必須項目「支払期日」（/Invoice/cbc:DueDate）がありません。",
        "/Invoice/cbc:DueDate",
    )


def _total(root: Element) -> int:
    base = "/Invoice/cac:LegalMonetaryTotal"
    totals = root.find("cac:LegalMonetaryTotal", _NS)
    if totals is None:
        raise _err("missing", f"必須項目「請求金額」（{base}）がありません。", base)
    for name, label in (("PayableAmount", "支払金額"), ("TaxInclusiveAmount", "税込金額")):
        node = totals.find(f"cbc:{name}", _NS)
        if node is not None and _text(node):
            return _parse_amount(node, f"{base}/cbc:{name}", label)
    path = f"{base}/cbc:PayableAmount"
    raise _err("missing", f"必須項目「支払金額」（{path}）がありません。", path)


def _reraise(exc: DomainError, path: str) -> DomainError:
    return DomainError(exc.code, exc.message, field=path)


def _payee(root: Element) -> PayeeAccount | None:
    for i, means in enumerate(root.findall("cac:PaymentMeans", _NS), start=1):
        account = means.find("cac:PayeeFinancialAccount", _NS)
        if account is None:
            continue
        base = f"/Invoice/cac:PaymentMeans[{i}]/cac:PayeeFinancialAccount"
        raw_number = _require_text(account, "cbc:ID", f"{base}/cbc:ID", "口座番号")
        try:
            number = parse_account_number(raw_number)
        except DomainError as exc:
            raise _reraise(exc, f"{base}/cbc:ID") from exc
        account_type: int | None = None
        raw_type = _find_text(account, "cbc:AccountTypeCode")
        if raw_type:
            try:
                account_type = int(parse_account_type(raw_type))
            except DomainError as exc:
                raise _reraise(exc, f"{base}/cbc:AccountTypeCode") from exc
        bank_code = bank_name = branch_code = branch_name = ""
        branch = account.find("cac:FinancialInstitutionBranch", _NS)
        if branch is not None:
            branch_id = _find_text(branch, "cbc:ID")
            branch_name = _find_text(branch, "cbc:Name")
            path = f"{base}/cac:FinancialInstitutionBranch/cbc:ID"
            if branch_id:
                if _DIGITS.fullmatch(branch_id) and len(branch_id) == 7:
                    bank_code, branch_code = branch_id[:4], branch_id[4:]
                elif _DIGITS.fullmatch(branch_id) and len(branch_id) == 3:
                    branch_code = branch_id
                else:
                    raise _err(
                        "invalid_branch",
                        f"支店コード（{path}）は3桁（または金融機関コード4桁＋支店コード3桁）の"
                        "数字で指定してください。",
                        path,
                    )
            institution_id = _find_text(branch, "cac:FinancialInstitution/cbc:ID")
            bank_name = _find_text(branch, "cac:FinancialInstitution/cbc:Name")
            if institution_id:
                ipath = f"{base}/cac:FinancialInstitutionBranch/cac:FinancialInstitution/cbc:ID"
                if _DIGITS.fullmatch(institution_id) is None or len(institution_id) != 4:
                    raise _err(
                        "invalid_bank",
                        f"金融機関コード（{ipath}）は4桁の数字で指定してください。",
                        ipath,
                    )
                if bank_code and bank_code != institution_id:
                    raise _err(
                        "invalid_bank",
                        f"金融機関コード（{ipath}）と支店の識別子（{path}）が一致しません。",
                        ipath,
                    )
                bank_code = institution_id
        return PayeeAccount(
            bank_code=bank_code,
            bank_name=bank_name,
            branch_code=branch_code,
            branch_name=branch_name,
            account_type=account_type,
            account_number=number,
            holder_name=_find_text(account, "cbc:Name"),
        )
    return None


def parse_jp_pint(data: bytes) -> InvoiceData:
    """Parse a JP PINT (UBL 2.1 ``Invoice``) document into :class:`InvoiceData`.

    Raises :class:`DomainError` (``jp_pint.*`` codes, or the identifier codes of
    :mod:`urikake.domain.identifiers`) with ``field`` set to the XPath-like location of the
    offending element. The result is *parsed*, not *accepted*: run
    :func:`~urikake.domain.invoices.validate_invoice` on it.
    """
    root = _parse_xml(data)
    if root.tag != f"{{{UBL_INVOICE_NS}}}Invoice":
        raise _err(
            "not_invoice",
            "UBL 2.1 の請求書（Invoice）ではありません（JP PINT 形式のXMLを指定してください）。",
            "/Invoice",
        )
    invoice_number = _require_text(root, "cbc:ID", "/Invoice/cbc:ID", "請求書番号")
    issue_date = _parse_date(
        _require_text(root, "cbc:IssueDate", "/Invoice/cbc:IssueDate", "請求日"),
        "/Invoice/cbc:IssueDate",
        "請求日",
    )
    currency = _require_text(
        root, "cbc:DocumentCurrencyCode", "/Invoice/cbc:DocumentCurrencyCode", "通貨"
    )
    if currency != "JPY":
        raise _err(
            "currency",
            f"円建ての請求書のみ扱えます（通貨: {currency}）。",
            "/Invoice/cbc:DocumentCurrencyCode",
        )
    due_date = _due_date(root)
    supplier, supplier_path = _party(root, "AccountingSupplierParty")
    customer, customer_path = _party(root, "AccountingCustomerParty")
    return InvoiceData(
        issuer_name=_party_name(supplier, supplier_path, "売り手の名称"),
        debtor_name=_party_name(customer, customer_path, "買い手の名称"),
        invoice_number=invoice_number,
        issue_date=issue_date,
        due_date=due_date,
        total_amount=_total(root),
        issuer_registration_number=_registration_number(supplier, supplier_path),
        debtor_corporate_number=_debtor_corporate_number(customer, customer_path),
        tax_breakdown=_tax_breakdown(root),
        payee=_payee(root),
        currency=currency,
    )
