"""The terms of a deal, gathered once into plain values for the contract documents.

Everything a PDF shows comes from :func:`deal_terms`: the parties, each invoice with its
offer line, the totals, the perfection method and the platform's collection account. The
renderer (:mod:`urikake.contracts.pdf`) only lays these values out, so the same deal always
gives the same text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from urikake.domain.bank_codes import find_bank, find_branch
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import AccountType
from urikake.domain.perfection import Method
from urikake.receivables.models import Debtor, FinancingApplication
from urikake.treasury.policy import operator_identity, perfection_policy

# How each method reads in the agreement (対抗要件の具備方法): a noun phrase, so that
# 「…により具備する」 reads as Japanese whatever the method. What each method entails for the
# parties (who sends the notice, that the notice to the debtor is reserved …) is stated in
# the agreement's article on perfection (contracts.pdf), not here.
PERFECTION_TEXT: dict[Method, str] = {
    Method.NOTICE: "確定日付のある証書による債務者への債権譲渡通知（民法第467条）",
    Method.CONSENT: "確定日付のある証書による債務者の承諾（民法第467条）",
    Method.REGISTRATION: "債権譲渡登記（動産・債権譲渡特例法第4条第1項）",
}


def _japanese(display: Any) -> str:
    """A label as the (Japanese) contract documents print it, whatever the reader's language."""
    from django.utils import translation

    with translation.override("ja"):
        return str(display())


def perfection_for(product: str) -> Method:
    """The product's perfection method, from the same policy treasury checks before funding
    (``settings.TREASURY_PERFECTION``; default: 3社間 notice, 2社間 registration)."""
    return perfection_policy(product).method


@dataclass(frozen=True)
class Party:
    name: str
    address: str
    corporate_number: str
    representative: str


@dataclass(frozen=True)
class BankAccount:
    bank_code: str
    bank_name: str
    branch_code: str
    branch_name: str
    account_type: str  # 普通 / 当座 ...
    account_number: str
    holder: str

    def line(self) -> str:
        return (
            f"{self.bank_name}（{self.bank_code}） {self.branch_name}（{self.branch_code}） "
            f"{self.account_type} {self.account_number} 名義 {self.holder}"
        )


@dataclass(frozen=True)
class InvoiceTerms:
    invoice_number: str
    debtor_id: int
    debtor: Party
    issue_date: date
    face_amount: int
    due_date: date
    settlement_date: date
    advance_rate: Decimal
    advance_amount: int
    fee_rate: Decimal
    fee: int
    holdback: int


@dataclass(frozen=True)
class DealTerms:
    application_id: int
    product: str
    product_label: str
    perfection: Method
    assignor: Party
    assignee: Party
    invoices: tuple[InvoiceTerms, ...]
    face_amount: int
    advance_amount: int
    fee: int
    admin_fee: int
    net_payout: int
    holdback: int
    payout_date: date
    payee_account: BankAccount  # the platform's account the debtor (or assignor) pays into
    payout_account: str  # the assignor's account, masked (***1234)

    @property
    def perfection_text(self) -> str:
        return PERFECTION_TEXT[self.perfection]

    def debtors(self) -> list[tuple[int, Party, tuple[InvoiceTerms, ...]]]:
        """Each debtor once, in first-invoice order, with its invoices."""
        seen: dict[int, list[InvoiceTerms]] = {}
        parties: dict[int, Party] = {}
        for inv in self.invoices:
            seen.setdefault(inv.debtor_id, []).append(inv)
            parties[inv.debtor_id] = inv.debtor
        return [(pk, parties[pk], tuple(items)) for pk, items in seen.items()]


def platform_party() -> Party:
    """The operator as 乙（譲受人）: its identifiers from settings (``CONTRACT_ASSIGNEE_*``)."""
    me = operator_identity()
    return Party(me.name, me.address, me.corporate_number, me.representative)


def platform_account() -> BankAccount:
    """The platform's collection account (the 全銀 requester account in settings).

    Refused when unset: a notice that tells a debtor where to pay must never show a
    placeholder.
    """
    bank_code = settings.ZENGIN_BANK_CODE
    branch_code = settings.ZENGIN_BRANCH_CODE
    number = settings.ZENGIN_ACCOUNT_NUMBER
    if not (bank_code and branch_code and number):
        raise DomainError(
            "contract.payee_account_missing",
            "回収用口座（URIKAKE_ZENGIN_BANK_CODE / BRANCH_CODE / ACCOUNT_NUMBER）が"
            "設定されていないため、契約書を作成できません。",
        )
    bank = find_bank(bank_code)
    branch = find_branch(bank_code, branch_code)
    try:
        kind = AccountType(int(settings.ZENGIN_ACCOUNT_TYPE or "1")).label
    except ValueError:
        kind = "普通"
    return BankAccount(
        bank_code=bank_code,
        bank_name=bank.name if bank else "",
        branch_code=branch_code,
        branch_name=branch.name if branch else "",
        account_type=kind,
        account_number=number,
        holder=settings.ZENGIN_REQUESTER_NAME or platform_party().name,
    )


def _party_of_debtor(debtor: Debtor) -> Party:
    return Party(debtor.name, debtor.address, debtor.corporate_number, "")


def deal_terms(application: FinancingApplication) -> DealTerms:
    """Everything the documents state, read from the application and its accepted offer."""
    offer = application.offer or {}
    if not offer.get("invoices"):
        raise DomainError("contract.no_offer", "ご提示条件がないため契約書を作成できません。")
    invoices = list(application.invoices.select_related("debtor").order_by("due_date", "pk"))
    lines = application.offer_lines(invoices)
    org = application.organization
    from urikake.applicants.services import current_payout_account

    payout = current_payout_account(org)
    items = tuple(
        InvoiceTerms(
            invoice_number=inv.invoice_number,
            debtor_id=inv.debtor_id,
            debtor=_party_of_debtor(inv.debtor),
            issue_date=inv.issue_date,
            face_amount=inv.total_amount,
            due_date=inv.due_date,
            settlement_date=date.fromisoformat(line["settlement_date"]),
            advance_rate=Decimal(str(line["advance_rate"])),
            advance_amount=int(line["advance_amount"]),
            fee_rate=Decimal(str(line["fee_rate"])),
            fee=int(line["fee"]),
            holdback=int(line["holdback"]),
        )
        for inv in invoices
        for line in (lines[inv.pk],)
    )
    return DealTerms(
        application_id=application.pk,
        product=application.product,
        product_label=_japanese(application.get_product_display),
        perfection=perfection_for(application.product),
        assignor=Party(org.name, org.address, org.corporate_number, org.representative_name),
        assignee=platform_party(),
        invoices=items,
        face_amount=int(offer["face_amount"]),
        advance_amount=int(offer["advance_amount"]),
        fee=int(offer["fee"]),
        admin_fee=int(offer["admin_fee"]),
        net_payout=int(offer["net_payout"]),
        holdback=int(offer["holdback"]),
        payout_date=date.fromisoformat(offer["payout_date"]),
        payee_account=platform_account(),
        payout_account=(
            f"{payout.bank_name} {payout.branch_name} ***{payout.account_number_last4}"
            if payout
            else ""
        ),
    )
