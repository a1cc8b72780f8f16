"""Anti-assignment clauses (譲渡禁止・制限特約) on invoices: record one, record its release.

What a clause means (a risk under 民法466条, not a bar) is in
:mod:`urikake.domain.assignment_clauses`; this module stores what the applicant or staff
recorded, one audited service per change, and answers the eligibility question for other
apps (:func:`status_of`, :func:`clear_for_transfer`).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from urikake.audit import services as audit
from urikake.domain import assignment_clauses as rules
from urikake.domain.errors import DomainError
from urikake.receivables.models import Invoice, InvoiceAssignmentClause

MAX_TEXT = 4_000


def clause_of(invoice: Invoice) -> InvoiceAssignmentClause | None:
    return InvoiceAssignmentClause.objects.filter(invoice=invoice).first()


def status_of(invoice: Invoice) -> rules.ClauseStatus:
    clause = clause_of(invoice)
    return rules.clause_status(
        has_clause=clause is not None, released=bool(clause and clause.released)
    )


def clear_for_transfer(invoice: Invoice) -> bool:
    """Eligibility helper for products that need "no clause, or released" (loans, pools)."""
    return rules.clear_for_transfer(status_of(invoice))


def clauses_of(invoices: list[Invoice]) -> dict[int, InvoiceAssignmentClause]:
    """The clause rows of several invoices, by invoice id (one query)."""
    return {c.invoice_id: c for c in InvoiceAssignmentClause.objects.filter(invoice__in=invoices)}


def statuses(
    invoices: list[Invoice], clauses: dict[int, InvoiceAssignmentClause] | None = None
) -> dict[int, rules.ClauseStatus]:
    """The status of several invoices in one query (for lists and screening); ``clauses``
    (from :func:`clauses_of`) when the caller has read them already."""
    if clauses is None:
        clauses = clauses_of(invoices)
    return {
        inv.pk: rules.clause_status(
            has_clause=inv.pk in clauses,
            released=bool(inv.pk in clauses and clauses[inv.pk].released),
        )
        for inv in invoices
    }


def _text(value: str, field: str) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise DomainError(
            "assignment_clause.text_too_long",
            f"{MAX_TEXT}文字以内で入力してください。",
            field=field,
        )
    return text


def record_clause(
    invoice: Invoice,
    *,
    acting_user: Any,
    evidence_text: str = "",
    evidence: bytes = b"",
    evidence_name: str = "",
) -> InvoiceAssignmentClause:
    """Record that the invoice's contract restricts assignment, with its evidence."""
    text = _text(evidence_text, "evidence_text")
    if not text and not evidence:
        raise DomainError(
            "assignment_clause.evidence_required",
            "特約の内容を入力するか、証憑（契約書など）を添付してください。",
            field="evidence_text",
        )
    with transaction.atomic():
        Invoice.objects.select_for_update().get(pk=invoice.pk)
        if clause_of(invoice) is not None:
            raise DomainError(
                "assignment_clause.exists",
                "この請求書の譲渡制限特約はすでに登録されています。",
                field="evidence_text",
            )
        clause = InvoiceAssignmentClause(
            invoice=invoice,
            evidence_text=text,
            evidence_sha256=hashlib.sha256(evidence).hexdigest() if evidence else "",
            recorded_by=acting_user,
        )
        if evidence:
            clause.evidence.save(evidence_name or "clause", ContentFile(evidence), save=False)
        clause.save()
        audit.record(
            "invoice.assignment_clause_recorded",
            actor=acting_user,
            obj=invoice,
            payload={"clause": clause.pk, "evidence_sha256": clause.evidence_sha256},
        )
    return clause


def record_release(
    invoice: Invoice,
    *,
    acting_user: Any,
    consented_on: date,
    consented_by: str,
    release_text: str = "",
    evidence: bytes = b"",
    evidence_name: str = "",
) -> InvoiceAssignmentClause:
    """Record the debtor's consent to the assignment (the clause's release)."""
    who = consented_by.strip()
    text = _text(release_text, "release_text")
    if not who or len(who) > 200:
        raise DomainError(
            "assignment_clause.consented_by",
            "承諾した売掛先の担当者（会社名・氏名）を200文字以内で入力してください。",
            field="consented_by",
        )
    if consented_on > timezone.localdate():
        raise DomainError(
            "assignment_clause.future", "承諾日に未来の日付は指定できません。", field="consented_on"
        )
    if not text and not evidence:
        raise DomainError(
            "assignment_clause.release_evidence",
            "承諾の内容を入力するか、承諾書を添付してください。",
            field="release_text",
        )
    with transaction.atomic():
        Invoice.objects.select_for_update().get(pk=invoice.pk)
        clause = clause_of(invoice)
        if clause is None:
            raise DomainError(
                "assignment_clause.missing", "譲渡制限特約が登録されていません。", field=None
            )
        if clause.released:
            raise DomainError(
                "assignment_clause.already_released", "承諾はすでに記録されています。"
            )
        clause.released_on = consented_on
        clause.released_by_name = who
        clause.release_text = text
        clause.release_sha256 = hashlib.sha256(evidence).hexdigest() if evidence else ""
        clause.release_recorded_by = acting_user
        clause.release_recorded_at = timezone.now()
        if evidence:
            clause.release_evidence.save(
                evidence_name or "consent", ContentFile(evidence), save=False
            )
        clause.save()
        audit.record(
            "invoice.assignment_clause_released",
            actor=acting_user,
            obj=invoice,
            payload={
                "clause": clause.pk,
                "consented_on": consented_on.isoformat(),
                "evidence_sha256": clause.release_sha256,
            },
        )
    return clause
