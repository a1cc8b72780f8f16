"""Editing and deleting the applicant's own invoices and debtors (issue 10, item 3).

The rule: an invoice can be changed or deleted only while no financing application has used
it (afterwards it is evidence of a deal: read-only, and the page says why). A debtor can be
changed while none of its invoices is in an application, and deleted only when it has no
invoice at all. Every change is one transaction and one audit record; refusals are
:class:`DomainError` with a Japanese message and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError
from django.utils import timezone, translation

from urikake.accounts.models import User
from urikake.audit import services as audit
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_corporate_number
from urikake.domain.invoices import InvoiceData, validate_invoice
from urikake.domain.screening.fingerprints import invoice_fingerprint, near_duplicate_keys
from urikake.receivables import encumbrances
from urikake.receivables.models import (
    Debtor,
    DebtorIdentity,
    Invoice,
    InvoiceAssignmentClause,
    InvoiceNearKey,
)
from urikake.receivables.services import InvoiceRejected, debtor_identity_key

__all__ = [
    "debtor_delete_refusal",
    "debtor_edit_refusal",
    "delete_debtor",
    "delete_invoice",
    "invoice_delete_refusal",
    "invoice_edit_refusal",
    "update_debtor",
    "update_invoice",
]


# --- what may be done --------------------------------------------------------------------------


def invoice_edit_refusal(invoice: Invoice) -> str | None:
    """Why the invoice can no longer be changed (None: it can)."""
    numbers = sorted(invoice.applications.values_list("pk", flat=True))
    if numbers:
        listed = "、".join(f"No.{n}" for n in numbers)
        return (
            f"この請求書は資金化のお申込み（{listed}）に使われたため、変更・削除できません。"
            "お申込みの記録として保存されます。"
        )
    if invoice.status != Invoice.Status.REGISTERED:
        return "この請求書は現在の状態では変更・削除できません。"
    # Pledged to a loan or under a guarantee: the product holds it at the amount it was given.
    holder = encumbrances.holder_of([invoice.pk]).get(invoice.pk)
    if holder is not None:
        with translation.override("ja"):
            label = str(holder.label)
        return f"この請求書は{label}のため、変更・削除できません。"
    return None


def invoice_delete_refusal(invoice: Invoice) -> str | None:
    reason = invoice_edit_refusal(invoice)
    if reason:
        return reason
    if InvoiceAssignmentClause.objects.filter(invoice=invoice).exists():
        return "譲渡制限特約の記録がある請求書は削除できません。"
    return None


def debtor_edit_refusal(debtor: Debtor) -> str | None:
    used = Invoice.objects.filter(debtor=debtor, applications__isnull=False).exists()
    if used:
        return (
            "この売掛先の請求書が資金化のお申込みに使われたため、"
            "売掛先の情報は変更・削除できません。"
        )
    return None


def debtor_delete_refusal(debtor: Debtor) -> str | None:
    reason = debtor_edit_refusal(debtor)
    if reason:
        return reason
    count = Invoice.objects.filter(debtor=debtor).count()
    if count:
        return (
            f"この売掛先には請求書が{count}件登録されています。"
            "先に請求書を削除してから、売掛先を削除してください。"
        )
    return None


def _refuse(reason: str | None, code: str) -> None:
    if reason:
        raise DomainError(code, reason)


# --- invoices ----------------------------------------------------------------------------------


def _keys(invoice: Invoice, data: InvoiceData, debtor: Debtor) -> None:
    key = debtor.identity.key
    invoice.fingerprint = invoice_fingerprint(data, key)
    InvoiceNearKey.objects.filter(invoice=invoice).delete()
    InvoiceNearKey.objects.bulk_create(
        [InvoiceNearKey(invoice=invoice, key=k) for k in near_duplicate_keys(data, key)]
    )


def _data_of(invoice: Invoice) -> InvoiceData:
    return InvoiceData(
        issuer_name=invoice.organization.name,
        debtor_name=invoice.debtor.name,
        invoice_number=invoice.invoice_number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        total_amount=invoice.total_amount,
        issuer_registration_number=invoice.issuer_registration_number,
        debtor_corporate_number=invoice.debtor.corporate_number,
    )


def update_invoice(
    invoice: Invoice, data: InvoiceData, *, debtor: Debtor, acting_user: User
) -> Invoice:
    """Change an unused invoice's fields (validated like a new one; every problem at once)."""
    if debtor.organization_id != invoice.organization_id:
        raise DomainError("invoice.debtor_unknown", "売掛先が見つかりません。", field="debtor")
    org = invoice.organization
    names = tuple(n for n in (org.name, getattr(org, "trade_name", "")) if n)
    problems = validate_invoice(
        data,
        today=timezone.localdate(),
        applicant_names=names,
        max_total_amount=settings.RECEIVABLES_MAX_INVOICE_YEN,
    )
    if problems:
        raise InvoiceRejected(problems)
    try:
        with transaction.atomic():
            locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
            _refuse(invoice_edit_refusal(locked), "invoice.locked")
            before = {
                "debtor": locked.debtor_id,
                "invoice_number": locked.invoice_number,
                "issue_date": locked.issue_date.isoformat(),
                "due_date": locked.due_date.isoformat(),
                "total_amount": locked.total_amount,
                "issuer_registration_number": locked.issuer_registration_number,
            }
            locked.debtor = debtor
            locked.invoice_number = data.invoice_number.strip()
            locked.issue_date = data.issue_date
            locked.due_date = data.due_date
            locked.total_amount = data.total_amount
            locked.issuer_registration_number = data.issuer_registration_number
            locked.tax_breakdown = [
                {"rate": str(t.rate), "taxable": t.taxable_amount, "tax": t.tax_amount}
                for t in data.tax_breakdown
            ]
            _keys(locked, data, debtor)
            locked.save()
            after = {
                "debtor": locked.debtor_id,
                "invoice_number": locked.invoice_number,
                "issue_date": locked.issue_date.isoformat(),
                "due_date": locked.due_date.isoformat(),
                "total_amount": locked.total_amount,
                "issuer_registration_number": locked.issuer_registration_number,
            }
            changed = sorted(k for k in after if after[k] != before[k])
            audit.record(
                "invoice.updated",
                actor=acting_user,
                obj=locked,
                payload={
                    "organization": locked.organization_id,
                    "changed": changed,
                    "amount": locked.total_amount,
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "invoice.duplicate", "この請求書はすでに登録されています。", field="invoice_number"
        ) from exc
    return locked


def delete_invoice(invoice: Invoice, *, acting_user: User) -> None:
    """Delete an unused invoice (its stored evidence file is kept: files are never erased
    from the evidence store by an applicant's click)."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        _refuse(invoice_delete_refusal(locked), "invoice.locked")
        audit.record(
            "invoice.deleted",
            actor=acting_user,
            obj=locked,
            payload={
                "organization": locked.organization_id,
                "debtor": locked.debtor_id,
                "amount": locked.total_amount,
                "evidence_sha256": locked.evidence_sha256,
            },
        )
        InvoiceNearKey.objects.filter(invoice=locked).delete()
        try:
            locked.delete()
        except ProtectedError as exc:  # a row elsewhere still points to it: refuse
            raise DomainError(
                "invoice.locked", "この請求書は他の記録から参照されているため削除できません。"
            ) from exc


# --- debtors -----------------------------------------------------------------------------------


def update_debtor(
    debtor: Debtor,
    *,
    acting_user: User,
    name: str,
    name_kana: str,
    corporate_number: str = "",
    address: str = "",
) -> Debtor:
    """Change a debtor no application has used. A new 法人番号 or reading moves it to its
    platform-wide identity, and its invoices' fingerprints follow."""
    if not name.strip():
        raise DomainError("debtor.name_required", "売掛先名を入力してください。", field="name")
    canonical = parse_corporate_number(corporate_number).value if corporate_number else ""
    org = debtor.organization
    if canonical and canonical == getattr(org, "corporate_number", ""):
        raise DomainError(
            "debtor.is_applicant",
            "自社を売掛先として登録することはできません。",
            field="corporate_number",
        )
    key = debtor_identity_key(name_kana=name_kana, corporate_number=canonical)
    try:
        with transaction.atomic():
            locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
            _refuse(debtor_edit_refusal(locked), "debtor.locked")
            identity, _ = DebtorIdentity.objects.get_or_create(
                key=key, defaults={"corporate_number": canonical, "display_name": name.strip()}
            )
            moved = identity.pk != locked.identity_id
            changed = [
                f
                for f, new in (
                    ("name", name.strip()),
                    ("name_kana", name_kana.strip()),
                    ("corporate_number", canonical),
                    ("address", address.strip()),
                )
                if getattr(locked, f) != new
            ]
            locked.identity = identity
            locked.name = name.strip()
            locked.name_kana = name_kana.strip()
            locked.corporate_number = canonical
            locked.address = address.strip()
            locked.save()
            if moved:
                for invoice in Invoice.objects.select_for_update().filter(debtor=locked):
                    invoice.debtor = locked
                    _keys(invoice, _data_of(invoice), locked)
                    invoice.save(update_fields=["fingerprint"])
            audit.record(
                "debtor.updated",
                actor=acting_user,
                obj=locked,
                payload={
                    "organization": locked.organization_id,
                    "identity": identity.pk,
                    "changed": sorted(changed),
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "debtor.duplicate", "この売掛先はすでに登録されています。", field="name"
        ) from exc
    return locked


def delete_debtor(debtor: Debtor, *, acting_user: Any) -> None:
    with transaction.atomic():
        locked = Debtor.objects.select_for_update().get(pk=debtor.pk)
        _refuse(debtor_delete_refusal(locked), "debtor.locked")
        audit.record(
            "debtor.deleted",
            actor=acting_user,
            obj=locked,
            payload={"organization": locked.organization_id, "identity": locked.identity_id},
        )
        try:
            locked.delete()
        except ProtectedError as exc:
            raise DomainError(
                "debtor.locked", "この売掛先は他の記録から参照されているため削除できません。"
            ) from exc
