"""Asking the screening vendors (反社チェック, 信用情報) about an application's parties.

For each submitted application: the applicant company, its representative (a person) and
each debtor company are checked with the anti-social-forces vendor, and a credit-bureau
report is requested for each — but only for the uses the applicant has consented to
(:mod:`urikake.applicants.data_use`); without consent nothing is sent and the finding says
so. Every answer (or failure) is stored as an :class:`ExternalCheck` (the evidence: the
vendor's answer, its hash, reference id and time) and audited; an answer about the same
subject younger than ``settings.SCREENING_VENDOR_CACHE_DAYS`` is reused instead of asking
again. The findings go to :func:`urikake.domain.screening.external.assess_external`, which
holds the policy.

Runs before the screening's transaction (HTTP never happens inside it); a vendor that is
down gives an ``unavailable`` finding, which refers the application — never an approval,
never a crash.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from urikake.applicants import services as applicant_services
from urikake.applicants.data_use import Use
from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.domain.screening.external import (
    CheckKind,
    FindingStatus,
    SubjectRole,
    VendorFinding,
)
from urikake.integrations.antisocial import adapter as antisocial
from urikake.integrations.credit_bureau import adapter as credit_bureau
from urikake.integrations.screening_vendor import Subject, VendorError
from urikake.receivables.models import ExternalCheck, FinancingApplication

logger = logging.getLogger("urikake.screening.vendors")

_USE_FOR = {CheckKind.ANTISOCIAL: Use.ANTISOCIAL_CHECK, CheckKind.CREDIT_BUREAU: Use.CREDIT_BUREAU}


@dataclass(frozen=True)
class Party:
    role: SubjectRole
    subject: Subject


def parties(application: FinancingApplication) -> list[Party]:
    """The applicant company, its representative (if named) and each distinct debtor."""
    org: Organization = application.organization
    found = [
        Party(
            SubjectRole.APPLICANT,
            Subject(
                "company",
                org.name,
                name_kana=org.name_kana,
                corporate_number=org.corporate_number,
                address=org.address,
            ),
        )
    ]
    if org.representative_name.strip():
        found.append(
            Party(
                SubjectRole.REPRESENTATIVE,
                Subject(
                    "person",
                    org.representative_name.strip(),
                    name_kana=org.name_kana if not org.is_corporation else "",
                    address=org.address,
                ),
            )
        )
    seen: set[Subject] = set()
    for inv in application.invoices.select_related("debtor").order_by("pk"):
        d = inv.debtor
        subject = Subject(
            "company",
            d.name,
            name_kana=d.name_kana,
            corporate_number=d.corporate_number,
            address=d.address,
        )
        if subject not in seen:
            seen.add(subject)
            found.append(Party(SubjectRole.DEBTOR, subject))
    return found


def subject_key(kind: CheckKind, subject: Subject) -> str:
    raw = json.dumps([kind.value, subject.as_json()], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def finding_of(check: ExternalCheck, *, cached: bool = False) -> VendorFinding:
    s = check.summary or {}
    return VendorFinding(
        kind=CheckKind(check.kind),
        role=SubjectRole(check.role),
        status=FindingStatus(check.status),
        subject_name=check.subject_name,
        reference_id=check.reference_id,
        adverse_kinds=tuple(s.get("adverse_kinds", ())),
        inquiries_6m=int(s.get("inquiries_6m", 0)),
        note=str(s.get("note", "")),
    )


def _ask(kind: CheckKind, subject: Subject, reference: str) -> tuple[str, dict[str, Any], Any]:
    """(status, summary, raw answer) from the vendor; the adapter's error on failure."""
    if kind is CheckKind.ANTISOCIAL:
        answer = antisocial.vendor_from_settings().screen(subject, reference=reference)
        status = {"no_hit": "clear", "hit": "hit", "review": "possible"}[answer.result]
        categories = sorted({m.category for m in answer.matches if m.category})
        summary = {
            "result": answer.result,
            "matches": len(answer.matches),
            "note": "／".join(categories),
        }
        return status, summary, (answer.reference_id, answer.raw)
    report = credit_bureau.bureau_from_settings().report(subject, reference=reference)
    summary = {
        "adverse_kinds": [r.kind for r in report.adverse_records],
        "inquiries_6m": report.inquiries_6m,
        "borrowing_count": report.borrowing_count,
        "outstanding_yen": report.outstanding_yen,
        "subject_found": report.subject_found,
        "as_of": report.as_of,
    }
    return "report", summary, (report.reference_id, report.raw)


def _cached(kind: CheckKind, key: str) -> ExternalCheck | None:
    since = timezone.now() - timedelta(days=settings.SCREENING_VENDOR_CACHE_DAYS)
    return (
        ExternalCheck.objects.filter(kind=kind.value, subject_key=key, requested_at__gte=since)
        .exclude(status=ExternalCheck.Status.UNAVAILABLE)
        .order_by("-requested_at", "-pk")
        .first()
    )


def check_party(
    application: FinancingApplication, kind: CheckKind, party: Party
) -> tuple[VendorFinding, dict[str, Any]]:
    """One vendor's finding about one party, and what the screening result shows of it."""
    key = subject_key(kind, party.subject)
    cached = _cached(kind, key)
    if cached is not None:
        return finding_of(cached), _shown(cached, cached=True)
    requested_at = timezone.now()
    reference = f"urikake-app{application.pk}-{kind.value}-{key[:16]}"
    try:
        status, summary, (reference_id, raw) = _ask(kind, party.subject, reference)
    except VendorError as exc:
        logger.warning("screening vendor %s failed: %s", kind.value, exc.detail or exc.message)
        status, summary, reference_id, raw = "unavailable", {"note": exc.message}, "", None
        error = (exc.detail or exc.message)[:500]
    else:
        error = ""
    body = "" if raw is None else json.dumps(raw, ensure_ascii=False, sort_keys=True)
    with transaction.atomic():
        check = ExternalCheck.objects.create(
            kind=kind.value,
            role=party.role.value,
            subject_key=key,
            subject_name=party.subject.name[:200],
            organization=application.organization,
            application=application,
            status=status,
            summary=summary,
            reference_id=reference_id,
            response=body,
            response_sha256=hashlib.sha256(body.encode()).hexdigest() if body else "",
            error_detail=error,
            requested_at=requested_at,
            answered_at=timezone.now() if raw is not None else None,
        )
        audit.record(
            "screening.external_check",
            actor="system:screening",
            obj=check,
            payload={
                "application": application.pk,
                "kind": kind.value,
                "role": party.role.value,
                "status": status,
                "reference_id": reference_id,
            },
        )
    return finding_of(check), _shown(check, cached=False)


def _shown(check: ExternalCheck, *, cached: bool) -> dict[str, Any]:
    return {
        "id": check.pk,
        "kind": check.kind,
        "role": check.role,
        "subject": check.subject_name,
        "status": check.status,
        "reference_id": check.reference_id,
        "requested_at": check.requested_at.isoformat(),
        "sha256": check.response_sha256,
        "summary": check.summary,
        "cached": cached,
    }


def run_checks(
    application: FinancingApplication,
) -> tuple[list[VendorFinding], list[dict[str, Any]]]:
    """Every finding for the application and the checks to show reviewers (in order)."""
    org = application.organization
    findings: list[VendorFinding] = []
    shown: list[dict[str, Any]] = []
    everyone = parties(application)
    for kind in (CheckKind.ANTISOCIAL, CheckKind.CREDIT_BUREAU):
        if not applicant_services.has_data_use_consent(org, _USE_FOR[kind]):
            for party in everyone:
                findings.append(
                    VendorFinding(kind, party.role, FindingStatus.NO_CONSENT, party.subject.name)
                )
            shown.append({"kind": kind.value, "status": "no_consent", "cached": False})
            continue
        for party in everyone:
            finding, row = check_party(application, kind, party)
            findings.append(finding)
            shown.append(row)
    return findings, shown
