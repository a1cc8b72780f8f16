"""Use cases of the contracts context: prepare a deal's documents, sign them, read them.

* :func:`prepare_contracts` renders a deal's PDFs once (the same bytes for the same terms);
* :func:`sign_contracts` records the applicant's agreement to those exact bytes (by SHA-256),
  seals each PDF with the platform's PAdES signature and moves the application to
  ``contracted`` — one transaction, one audit record, at most once per application;
* :func:`is_contracted` tells treasury whether money may move.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from urikake.accounts.compiled_reads import CompiledRead
from urikake.accounts.models import User
from urikake.applicants.models import Membership
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.contracts.agreements import sha256
from urikake.contracts.models import ContractDocument, ContractSignature
from urikake.contracts.signing import SignatureRecord, seal
from urikake.contracts.terms import DealTerms, deal_terms
from urikake.domain.applications import ApplicationStatus
from urikake.domain.errors import DomainError
from urikake.domain.products import DocumentKind, spec
from urikake.receivables import notices
from urikake.receivables.models import FinancingApplication
from urikake.receivables.services import mark_contracted
from urikake.treasury.perfection import open_perfection

_SIGNED_STATUSES = frozenset(
    {ApplicationStatus.CONTRACTED, ApplicationStatus.FUNDED, ApplicationStatus.SETTLED}
)


def _japanese(label: object) -> str:
    """A contract document's title is Japanese whatever the reader's language (the
    document itself is Japanese; the label only is translated on pages)."""
    with translation.override("ja"):
        return str(label)


def document_number(application_id: int, suffix: str) -> str:
    """A stable number for a deal's document: ``UK-000123-A`` (agreement), ``-N1`` (notice
    to the first debtor), ``-C1`` (consent of the first debtor)."""
    return f"UK-{application_id:06d}-{suffix}"


@dataclass(frozen=True)
class _Planned:
    kind: ContractDocument.Kind
    suffix: str
    debtor_id: int | None
    pdf: bytes


def _plan(terms: DealTerms) -> list[_Planned]:
    from urikake.contracts import pdf  # reportlab: loaded when a deal's PDFs are rendered

    app_id = terms.application_id
    plan = [
        _Planned(
            ContractDocument.Kind.AGREEMENT,
            "A",
            None,
            pdf.render_agreement(terms, document_number(app_id, "A")),
        )
    ]
    # The product spec names the debtor's documents: 3社間 always gives the debtor a notice
    # (it tells them where to pay); a notice policy gives one too; consent adds the 承諾書.
    kinds = spec(terms.product).documents(terms.perfection)
    notice = DocumentKind.NOTICE in kinds
    consent = DocumentKind.CONSENT in kinds
    if not (notice or consent):
        return plan
    for n, (debtor_id, party, invoices) in enumerate(terms.debtors(), start=1):
        if notice:
            plan.append(
                _Planned(
                    ContractDocument.Kind.NOTICE,
                    f"N{n}",
                    debtor_id,
                    pdf.render_notice(terms, document_number(app_id, f"N{n}"), party, invoices),
                )
            )
        if consent:
            plan.append(
                _Planned(
                    ContractDocument.Kind.CONSENT,
                    f"C{n}",
                    debtor_id,
                    pdf.render_consent(terms, document_number(app_id, f"C{n}"), party, invoices),
                )
            )
    return plan


def documents_of(application: FinancingApplication) -> list[ContractDocument]:
    """The deal's documents, without their PDF bytes (loaded when read)."""
    return list(
        ContractDocument.objects.filter(application=application)
        .defer("pdf", "signed_pdf")
        .order_by("pk")
    )


_CONTRACTED = (
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.FUNDED,
    ApplicationStatus.SETTLED,
    ApplicationStatus.DEFAULTED,
)


@dataclass(frozen=True)
class ContractRow:
    """One deal with contract documents, as the applicant's contracts list shows it."""

    application: FinancingApplication
    documents: list[ContractDocument]
    signature: ContractSignature | None

    @property
    def state(self) -> str:
        """``signed`` / ``awaiting_signature`` / ``not_signed`` (the pages word it)."""
        return contract_state(self.application.status, signed=self.signature is not None)


def contract_state(status: str, *, signed: bool) -> str:
    """A deal's contract state from its status and whether the client signed: ``signed`` /
    ``awaiting_signature`` / ``not_signed`` (:attr:`ContractRow.state`)."""
    if signed or status in _CONTRACTED:
        return "signed"
    if status == ApplicationStatus.ACCEPTED:
        return "awaiting_signature"
    return "not_signed"


def contracts_of(organization_id: int) -> list[ContractRow]:
    """The organisation's deals that have contract documents, newest first (PDF bytes are
    not loaded)."""
    docs: dict[int, list[ContractDocument]] = {}
    for d in (
        ContractDocument.objects.filter(organization_id=organization_id)
        .defer("pdf", "signed_pdf")
        .order_by("pk")
    ):
        docs.setdefault(d.application_id, []).append(d)
    if not docs:
        return []  # the two queries below would be built only to be skipped (empty IN)
    signatures = {
        s.application_id: s
        for s in ContractSignature.objects.filter(application_id__in=docs).select_related("signer")
    }
    apps = (
        FinancingApplication.objects.filter(pk__in=docs, organization_id=organization_id)
        .prefetch_related("invoices__debtor")
        .order_by("-created_at", "-pk")
    )
    return [ContractRow(app, docs[app.pk], signatures.get(app.pk)) for app in apps]


@functools.cache
def _contract_states_read(limit: int) -> CompiledRead:
    """:func:`latest_contract_states`' query, compiled once per limit (part of the text)."""
    return CompiledRead(
        lambda org: (
            FinancingApplication.objects.filter(organization_id=org)
            .filter(
                Exists(
                    ContractDocument.objects.filter(application=OuterRef("pk"), organization_id=org)
                )
            )
            .annotate(signed=Exists(ContractSignature.objects.filter(application=OuterRef("pk"))))
            .order_by("-created_at", "-pk")
            .values_list("pk", "status", "signed")[:limit]
        ),
        org=int,
    )


def latest_contract_states(organization_id: int, *, limit: int) -> list[tuple[int, str]]:
    """The newest ``limit`` deals of :func:`contracts_of` as (application id, state): one
    query of the few columns the state needs, not the documents, signatures, invoices and
    debtors of every deal the organisation ever contracted (my page shows five)."""
    rows = _contract_states_read(limit).rows(org=organization_id)
    return [(pk, contract_state(status, signed=signed)) for pk, status, signed in rows]


def prepare_contracts(
    application: FinancingApplication, *, acting_user: Actor
) -> list[ContractDocument]:
    """The deal's unsigned documents, generated on the first call and returned afterwards.

    Only an accepted application gets new documents; a signed one returns what it has.
    """
    existing = documents_of(application)
    if existing:
        return existing
    with transaction.atomic():
        locked = FinancingApplication.objects.select_for_update().get(pk=application.pk)
        existing = documents_of(locked)  # another request may have prepared them meanwhile
        if existing:
            return existing
        if locked.status != ApplicationStatus.ACCEPTED:
            raise DomainError(
                "contract.not_accepted",
                "ご提示条件を承諾した申込みだけが契約に進めます。",
            )
        terms = deal_terms(locked)
        created = [
            ContractDocument.objects.create(
                application=locked,
                organization_id=locked.organization_id,
                debtor_id=item.debtor_id,
                kind=item.kind,
                document_number=document_number(locked.pk, item.suffix),
                title=_japanese(item.kind.label),
                pdf=item.pdf,
                sha256=sha256(item.pdf),
            )
            for item in _plan(terms)
        ]
        audit.record(
            "contract.prepared",
            actor=acting_user,
            obj=locked,
            payload={
                "documents": {d.document_number: d.sha256 for d in created},
                "perfection": terms.perfection.value,
            },
        )
        notices.about_application(
            "contract_ready", locked, url=reverse("contracts:detail", args=[locked.pk])
        )
    return created


def prepare_on_acceptance(application: FinancingApplication, acting_user: Actor) -> None:
    """The acceptance step of this app (``receivables.services.on_offer_accepted``)."""
    prepare_contracts(application, acting_user=acting_user)


def is_contracted(application: FinancingApplication) -> bool:
    """True once the applicant signed and the platform sealed every document."""
    if application.status not in _SIGNED_STATUSES:
        return False
    if not ContractSignature.objects.filter(application=application).exists():
        return False
    return not ContractDocument.objects.filter(
        application=application, signed_pdf__isnull=True
    ).exists()


@dataclass(frozen=True)
class SignResult:
    signature: ContractSignature
    created: bool  # False: the application was already signed, nothing changed


def _require_owner(application: FinancingApplication, user: User) -> None:
    if not Membership.objects.filter(
        user=user,
        organization_id=application.organization_id,
        is_active=True,
        role=Membership.Role.OWNER,
    ).exists():
        raise DomainError(
            "contract.owner_only",
            "契約の締結は、申込者のオーナー権限をもつ方だけが行えます。",
        )


def _record(
    user: User, when: datetime, ip_address: str | None, documents: dict[str, str], sha: str
) -> SignatureRecord:
    local = timezone.localtime(when).isoformat(timespec="seconds")
    return SignatureRecord(
        reason=(
            f"債権売買契約への申込者の同意: 同意者 user:{user.pk}, 同意日時 {local}, "
            f"同意した文書数 {len(documents)}, 本書の署名前SHA-256 {sha}"
        ),
        location=f"Urikake（同意元IPアドレス {ip_address or '不明'}）",
        contact_info=f"user:{user.pk}",
    )


def sign_contracts(
    application: FinancingApplication,
    *,
    acting_user: User,
    agreed_hashes: dict[str, str],
    ip_address: str | None,
    user_agent: str,
    reauthenticated_at: datetime | None = None,
) -> SignResult:
    """The applicant agrees to the documents it was shown (``agreed_hashes``: document
    number → SHA-256); the platform seals them and the application becomes ``contracted``.

    A second call, or a concurrent one, returns the first signature unchanged.
    """
    _require_owner(application, acting_user)
    with transaction.atomic():
        # The row lock serialises concurrent submits: the second sees the first signature.
        locked = FinancingApplication.objects.select_for_update().get(pk=application.pk)
        previous = ContractSignature.objects.filter(application=locked).first()
        if previous is not None:
            return SignResult(previous, created=False)
        if locked.status != ApplicationStatus.ACCEPTED:
            raise DomainError(
                "contract.not_signable",
                "この申込みは契約を締結できる状態ではありません"
                f"（現在の状態: {ApplicationStatus(locked.status).label}）。",
            )
        documents = documents_of(locked)
        current = {d.document_number: d.sha256 for d in documents}
        if not documents or agreed_hashes != current:
            raise DomainError(
                "contract.documents_changed",
                "表示した契約書類と現在の契約書類が一致しません。もう一度内容をご確認ください。",
            )
        now = timezone.now()
        signature = ContractSignature.objects.create(
            application=locked,
            organization_id=locked.organization_id,
            signer=acting_user,
            signed_at=now,
            reauthenticated_at=reauthenticated_at,
            ip_address=ip_address,
            user_agent=user_agent[:500],
            document_hashes=current,
        )
        for doc in documents:
            unsigned = bytes(doc.pdf)
            signed = seal(unsigned, _record(acting_user, now, ip_address, current, doc.sha256))
            doc.signed_pdf = signed
            doc.signed_sha256 = sha256(signed)
            doc.signed_at = now
            doc.save(update_fields=["signed_pdf", "signed_sha256", "signed_at"])
        contracted = mark_contracted(
            locked,
            acting_user=acting_user,
            payload={
                "contract_signature": signature.pk,
                "documents": current,
                "signed": {d.document_number: d.signed_sha256 for d in documents},
            },
        )
        open_perfection(contracted)  # the back office reads it; reads never create it
        notices.about_application(
            "contract_signed", contracted, url=reverse("contracts:detail", args=[contracted.pk])
        )
    return SignResult(signature, created=True)
