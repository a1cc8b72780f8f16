"""Use cases of the receivables context: debtors and bank-statement imports.

Every state change is one function here: one transaction, ``acting_user`` keyword-only, one
audit record. Parsing and validation live in the domain core (``urikake.domain``); this
module only stores what the domain accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.applications import ApplicationStatus, check_transition
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_corporate_number
from urikake.domain.invoices import InvoiceData, validate_invoice
from urikake.domain.name_matching import normalize_name
from urikake.domain.screening.fingerprints import invoice_fingerprint, near_duplicate_keys
from urikake.domain.statements import Direction, Statement, refuse_future_lines
from urikake.plans import services as plans
from urikake.receivables import encumbrances, notices
from urikake.receivables.models import (
    Debtor,
    DebtorIdentity,
    FinancingApplication,
    Invoice,
    InvoiceDraft,
    InvoiceNearKey,
    StatementEntry,
    StatementImport,
)


def debtor_identity_key(*, name_kana: str, corporate_number: str = "") -> str:
    """The platform-wide identity of a debtor: its 法人番号, else its normalised kana name.

    The same scheme as the double-assignment fingerprints
    (:func:`urikake.domain.screening.fingerprints.debtor_key`): the kana key drops legal-form
    words, spaces and ﾞ/ﾟ, so 「カブシキガイシャヤマダ」 and 「ヤマダ（カ」 are one debtor; two
    different companies with the same reading and no 法人番号 would be merged — which errs on
    the side of seeing exposure, not hiding it.
    """
    if corporate_number:
        return f"cn:{parse_corporate_number(corporate_number).value}"
    key = normalize_name(name_kana).loose_key
    if not key:
        raise DomainError(
            "debtor.kana_required",
            "売掛先名のフリガナ（カタカナ）を入力してください。",
            field="name_kana",
        )
    return f"nm:{key}"


def register_debtor(
    organization: Organization,
    *,
    acting_user: User,
    name: str,
    name_kana: str,
    corporate_number: str = "",
    address: str = "",
) -> Debtor:
    """Add a debtor (売掛先) to the organisation, linked to its platform-wide identity."""
    if not name.strip():
        raise DomainError("debtor.name_required", "売掛先名を入力してください。", field="name")
    canonical = parse_corporate_number(corporate_number).value if corporate_number else ""
    if canonical and canonical == getattr(organization, "corporate_number", ""):
        raise DomainError(
            "debtor.is_applicant",
            "自社を売掛先として登録することはできません。",
            field="corporate_number",
        )
    key = debtor_identity_key(name_kana=name_kana, corporate_number=canonical)
    try:
        with transaction.atomic():
            identity, _ = DebtorIdentity.objects.get_or_create(
                key=key,
                defaults={"corporate_number": canonical, "display_name": name.strip()},
            )
            debtor = Debtor.objects.create(
                organization=organization,
                identity=identity,
                name=name.strip(),
                name_kana=name_kana.strip(),
                corporate_number=canonical,
                address=address.strip(),
                created_by=acting_user,
            )
            audit.record(
                "debtor.registered",
                actor=acting_user,
                obj=debtor,
                payload={"organization": organization.pk, "identity": identity.pk},
            )
    except IntegrityError as exc:
        raise DomainError(
            "debtor.duplicate", "この売掛先はすでに登録されています。", field="name"
        ) from exc
    return debtor


@dataclass(frozen=True)
class ImportResult:
    statement: StatementImport
    duplicate: bool  # the very same statement was imported before: nothing changed
    new_lines: int  # movements not seen in any earlier statement of this organisation


def import_statement(
    organization: Organization,
    statement: Statement,
    *,
    acting_user: User,
    content: bytes,
    filename: str = "",
) -> ImportResult:
    """Store a parsed statement, all or nothing; the same statement twice is recognised.

    Movements already present from an overlapping earlier statement are not added again
    (the database enforces one row per movement key and organisation).
    """
    refuse_future_lines(statement, today=timezone.localdate())
    fingerprint = statement.fingerprint()
    existing = StatementImport.objects.filter(
        organization=organization, fingerprint=fingerprint
    ).first()
    if existing is not None:
        return ImportResult(existing, duplicate=True, new_lines=0)
    keys = {line.key(): line for line in statement.lines}
    with transaction.atomic():
        known = set(
            StatementEntry.objects.filter(
                organization=organization, line_key__in=list(keys)
            ).values_list("line_key", flat=True)
        )
        record = StatementImport.objects.create(
            organization=organization,
            source=statement.source.value,
            filename=filename[:255],
            content_sha256=hashlib.sha256(content).hexdigest(),
            fingerprint=fingerprint,
            bank_code=statement.bank_code,
            branch_code=statement.branch_code,
            account_type=statement.account_type,
            account_number=statement.account_number,
            account_number_last4=statement.account_number[-4:],
            account_name=statement.account_name[:100],
            period_start=statement.period_start,
            period_end=statement.period_end,
            line_count=len(statement.lines),
            new_line_count=len(keys.keys() - known),
            deposit_total=sum(
                line.amount for line in statement.lines if line.direction is Direction.DEPOSIT
            ),
            withdrawal_total=sum(
                line.amount for line in statement.lines if line.direction is Direction.WITHDRAWAL
            ),
            created_by=acting_user,
        )
        StatementEntry.objects.bulk_create(
            [
                StatementEntry(
                    statement=record,
                    organization=organization,
                    value_date=line.value_date,
                    direction=line.direction.value,
                    amount=line.amount,
                    counterparty=line.counterparty[:200],
                    description=line.description[:200],
                    reference=line.reference[:50],
                    balance_after=line.balance_after,
                    edi=line.edi[:40],
                    line_number=line.line_number,
                    line_key=key,
                )
                for key, line in keys.items()
                if key not in known
            ],
            batch_size=1000,
        )
        audit.record(
            "statement.imported",
            actor=acting_user,
            obj=record,
            payload={
                "organization": organization.pk,
                "source": statement.source.value,
                "lines": record.line_count,
                "new_lines": record.new_line_count,
            },
        )
    return ImportResult(record, duplicate=False, new_lines=record.new_line_count)


def register_invoice(
    organization: Organization,
    data: InvoiceData,
    *,
    acting_user: User,
    debtor: Debtor,
    source: str,
    evidence: bytes = b"",
    evidence_name: str = "",
    today: date | None = None,
) -> Invoice:
    """Register an invoice the applicant confirmed (from a form, a PDF or JP PINT XML).

    Every problem is reported at once (:class:`InvoiceRejected`); nothing is stored then.
    """
    if debtor.organization_id != organization.pk:
        raise DomainError("invoice.debtor_unknown", "売掛先が見つかりません。", field="debtor")
    applicant_names = tuple(
        n for n in (organization.name, getattr(organization, "trade_name", "")) if n
    )
    problems = validate_invoice(
        data,
        today=today or timezone.localdate(),
        applicant_names=applicant_names,
        max_total_amount=settings.RECEIVABLES_MAX_INVOICE_YEN,
    )
    if problems:
        raise InvoiceRejected(problems)
    key = invoice_debtor_key(debtor)
    fingerprint = invoice_fingerprint(data, key)
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                organization=organization,
                debtor=debtor,
                invoice_number=data.invoice_number.strip(),
                issue_date=data.issue_date,
                due_date=data.due_date,
                total_amount=data.total_amount,
                issuer_registration_number=data.issuer_registration_number,
                tax_breakdown=[
                    {"rate": str(t.rate), "taxable": t.taxable_amount, "tax": t.tax_amount}
                    for t in data.tax_breakdown
                ],
                source=source,
                evidence_sha256=hashlib.sha256(evidence).hexdigest() if evidence else "",
                fingerprint=fingerprint,
                created_by=acting_user,
            )
            if evidence:
                invoice.evidence.save(evidence_name or "invoice", ContentFile(evidence), save=True)
            InvoiceNearKey.objects.bulk_create(
                [InvoiceNearKey(invoice=invoice, key=k) for k in near_duplicate_keys(data, key)]
            )
            audit.record(
                "invoice.registered",
                actor=acting_user,
                obj=invoice,
                payload={
                    "organization": organization.pk,
                    "debtor": debtor.pk,
                    "amount": data.total_amount,
                    "source": source,
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "invoice.duplicate", "この請求書はすでに登録されています。", field="invoice_number"
        ) from exc
    return invoice


def create_invoice_draft(
    organization: Organization,
    *,
    acting_user: User,
    filename: str,
    kind: str,
    content: bytes,
    proposal: dict[str, Any],
    note: str = "",
) -> InvoiceDraft:
    """Keep an uploaded invoice file and what was read from it until the applicant confirms."""
    with transaction.atomic():
        draft = InvoiceDraft(
            organization=organization,
            created_by=acting_user,
            filename=filename[:255],
            kind=kind,
            sha256=hashlib.sha256(content).hexdigest(),
            proposal=proposal,
            note=note[:300],
        )
        draft.file.save(filename or "invoice", ContentFile(content), save=False)
        draft.save()
        audit.record(
            "invoice_draft.created",
            actor=acting_user,
            obj=draft,
            payload={"organization": organization.pk, "kind": kind, "sha256": draft.sha256},
        )
    return draft


def invoice_debtor_key(debtor: Debtor) -> str:
    """The debtor part of an invoice fingerprint (the debtor's platform-wide identity)."""
    return debtor.identity.key


def create_application(
    organization: Organization,
    *,
    acting_user: User,
    product: str,
    invoices: list[Invoice],
    requested_amount: int | None = None,
    idempotency_key: str = "",
    request_digest: str = "",
    plan_id: int | None = None,
    amount_field: str = "invoices",
) -> FinancingApplication:
    """A draft application for chosen invoices of the organisation.

    The deal (the invoices' total face value) is held to a plan before anything is stored:
    the applicant's choice (``plan_id``) or the plan that applies
    (:func:`urikake.plans.services.resolve_plan`); outside its range it is refused with the
    limit named (``amount_field`` is the field the error names).

    With an ``idempotency_key`` the database refuses a second application under the same
    key (IntegrityError): the caller then returns the first one.
    """
    if product not in FinancingApplication.Product.values:
        raise DomainError("application.product", "商品を選んでください。", field="product")
    if not invoices:
        raise DomainError("application.no_invoices", "請求書を選んでください。", field="invoices")
    if any(inv.organization_id != organization.pk for inv in invoices):
        raise DomainError(
            "application.invoice_unknown", "請求書が見つかりません。", field="invoices"
        )
    encumbrances.ensure_unencumbered(invoices, field=amount_field)
    face = sum(inv.total_amount for inv in invoices)
    amount = face if requested_amount is None else requested_amount
    if not 0 < amount <= face:
        raise DomainError(
            "application.amount",
            f"希望金額は1円以上、請求金額の合計（{face:,}円）以下で入力してください。",
            field="requested_amount",
            params={"face": face},
        )
    plan_version = plans.resolve_plan(
        segment=organization.kind,
        product=product,
        amount=face,
        plan_id=plan_id,
        field=amount_field,
    )
    with transaction.atomic():
        application = FinancingApplication.objects.create(
            organization=organization,
            product=product,
            plan_version=plan_version,
            requested_amount=amount,
            status=ApplicationStatus.DRAFT,
            created_by=acting_user,
            idempotency_key=idempotency_key,
            request_digest=request_digest,
        )
        # A new application has no invoices yet: insert the links (set() would first read
        # the links it has).
        FinancingApplication.invoices.through.objects.bulk_create(
            [
                FinancingApplication.invoices.through(
                    financingapplication_id=application.pk, invoice_id=pk
                )
                for pk in dict.fromkeys(inv.pk for inv in invoices)
            ]
        )
        audit.record(
            "application.created",
            actor=acting_user,
            obj=application,
            payload={
                "product": product,
                "amount": amount,
                "invoices": [i.pk for i in invoices],
                "plan_version": plan_version.pk if plan_version else None,
            },
        )
    return application


def _move(
    application: FinancingApplication,
    target: ApplicationStatus,
    *,
    actor: Actor,
    action: str,
    payload: dict[str, Any] | None = None,
) -> FinancingApplication:
    """Lock the row, check the transition in the domain state machine, save, audit."""
    with transaction.atomic():
        # The notices sent with every move read the organisation: joined, not locked.
        locked = (
            FinancingApplication.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=application.pk)
        )
        check_transition(ApplicationStatus(locked.status), target)
        locked.status = target
        if target is ApplicationStatus.SUBMITTED:
            locked.submitted_at = timezone.now()
        locked.save()
        audit.record(
            action,
            actor=actor,
            obj=locked,
            payload={"status": target.value, **(payload or {})},
        )
    return locked


def submit_application(
    application: FinancingApplication, *, acting_user: User, invoices_checked: bool = False
) -> FinancingApplication:
    """Submit a draft: only for an organisation whose eKYC is verified.

    ``invoices_checked``: the caller made the draft with :func:`create_application` in the
    same, still open transaction, whose check locked the invoices' rows: nothing can have
    taken them since (every product locks them before taking one), so they are not asked
    about twice.
    """
    from urikake.kyc.services import ensure_can_apply

    ensure_can_apply(application.organization)
    with transaction.atomic():
        # A loan or a guarantee may have taken an invoice since the draft was made, or another
        # application been submitted with it.
        if not (invoices_checked and transaction.get_connection().in_atomic_block):
            encumbrances.ensure_unencumbered(application.invoices.all())
        submitted = _move(
            application,
            ApplicationStatus.SUBMITTED,
            actor=acting_user,
            action="application.submitted",
        )
        notices.received(submitted)
        transaction.on_commit(lambda: _enqueue_screening(submitted.pk))
    return submitted


def _enqueue_screening(application_id: int) -> None:
    from urikake.receivables.tasks import screen_application

    screen_application.enqueue(application_id)


#: What a higher layer does in the same transaction as an acceptance (the contracts app
#: prepares the deal's documents: see ``urikake.contracts.apps``). Registered at start-up,
#: because receivables may not import the apps above it; a step that fails refuses the
#: acceptance, so an accepted offer always has what the next step needs.
_ACCEPTANCE_STEPS: list[Callable[[FinancingApplication, User], object]] = []


def on_offer_accepted(step: Callable[[FinancingApplication, User], object]) -> None:
    """Run ``step(application, acting_user)`` inside every acceptance (once per step)."""
    if step not in _ACCEPTANCE_STEPS:
        _ACCEPTANCE_STEPS.append(step)


def accept_offer(application: FinancingApplication, *, acting_user: User) -> FinancingApplication:
    """The applicant accepts the offer (refused, and the offer expired, once it has lapsed);
    the steps registered with :func:`on_offer_accepted` run in the same transaction."""
    if (
        application.status == ApplicationStatus.OFFERED
        and application.offer_expires_on is not None
        and timezone.localdate() > application.offer_expires_on
    ):
        _move(
            application, ApplicationStatus.EXPIRED, actor=acting_user, action="application.expired"
        )
        raise DomainError(
            "application.offer_expired",
            "ご提示した条件の有効期限が過ぎています。お手数ですが、もう一度お申込みください。",
        )
    with transaction.atomic():
        accepted = _move(
            application,
            ApplicationStatus.ACCEPTED,
            actor=acting_user,
            action="application.accepted",
        )
        for step in _ACCEPTANCE_STEPS:
            step(accepted, acting_user)
    return accepted


def cancel_application(
    application: FinancingApplication, *, acting_user: User
) -> FinancingApplication:
    return _move(
        application, ApplicationStatus.CANCELLED, actor=acting_user, action="application.cancelled"
    )


# --- Transitions after the offer, for the apps that own them (contracts, treasury, servicing) -
# Each locks the application, checks the move in the domain state machine, saves and audits
# (``application.<status>``) in one transaction; an illegal move raises a DomainError.


def mark_contracted(
    application: FinancingApplication, *, acting_user: Actor, payload: dict[str, Any] | None = None
) -> FinancingApplication:
    """accepted → contracted: the contracts were signed."""
    return _move(
        application,
        ApplicationStatus.CONTRACTED,
        actor=acting_user,
        action="application.contracted",
        payload=payload,
    )


def mark_funded(
    application: FinancingApplication, *, acting_user: Actor, payload: dict[str, Any] | None = None
) -> FinancingApplication:
    """contracted → funded: the advance left the platform's bank account."""
    return _move(
        application,
        ApplicationStatus.FUNDED,
        actor=acting_user,
        action="application.funded",
        payload=payload,
    )


def mark_settled(application: FinancingApplication, *, acting_user: Actor) -> FinancingApplication:
    """funded / defaulted → settled: every receivable of the deal is collected."""
    return _move(
        application, ApplicationStatus.SETTLED, actor=acting_user, action="application.settled"
    )


def mark_defaulted(
    application: FinancingApplication, *, acting_user: Actor
) -> FinancingApplication:
    """funded → defaulted: a receivable of the deal was not paid (default or write-off)."""
    return _move(
        application, ApplicationStatus.DEFAULTED, actor=acting_user, action="application.defaulted"
    )


class InvoiceRejected(DomainError):
    """An invoice with one or more problems; ``problems`` holds each, with its field."""

    def __init__(self, problems: list[DomainError]) -> None:
        super().__init__(
            "invoice.invalid",
            "請求書の内容を確認してください: " + " / ".join(p.message for p in problems),
        )
        self.problems = problems
