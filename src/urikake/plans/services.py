"""Use cases of plans and credit lines. Every change: one transaction, an explicit actor, one
audit record. The rules are in :mod:`urikake.domain.plans` and
:mod:`urikake.domain.credit_lines`.

Public verbs used by other apps:

* :func:`resolve_plan` — the plan (version) an application is held to, or a refusal naming
  the limit (called by ``receivables`` before anything is stored);
* :func:`start_credit_line` — the first approved screening sets the client's line;
* :func:`check_credit` — hold a deal against the line (screening refers above it);
* :func:`record_settlement` — a settled deal grows the line (called where a deal settles).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.audit.models import AuditRecord
from urikake.domain import credit_lines as rules
from urikake.domain.errors import DomainError
from urikake.domain.plans import (
    PlanTerms,
    Segment,
    check_amount,
    choose_plan,
    validate_terms,
    version_on,
)
from urikake.plans.models import CreditLine, CreditLineChange, Plan, PlanVersion

# --- plans ------------------------------------------------------------------------------


def terms_of(version: PlanVersion) -> PlanTerms:
    return PlanTerms(
        code=version.plan.code,
        name=version.name,
        segment=Segment(version.segment),
        product=version.product,
        min_amount=version.min_amount,
        max_amount=version.max_amount,
        fee_min=version.fee_min,
        fee_max=version.fee_max,
        advance_rate=version.advance_rate,
        speed=version.speed,
        active=version.active,
        effective_from=version.effective_from,
        version_id=version.pk,
    )


def _check(terms: PlanTerms) -> None:
    problems = validate_terms(terms)
    if problems:
        first = problems[0]
        raise DomainError(
            first.code, " / ".join(p.message for p in problems), field=first.field or None
        )


def _store_version(
    plan: Plan, terms: PlanTerms, *, effective_from: date, note: str, acting_user: Any
) -> PlanVersion:
    return PlanVersion.objects.create(
        plan=plan,
        name=terms.name.strip(),
        segment=terms.segment.value,
        product=terms.product,
        min_amount=terms.min_amount,
        max_amount=terms.max_amount,
        fee_min=terms.fee_min,
        fee_max=terms.fee_max,
        advance_rate=terms.advance_rate,
        speed=terms.speed.strip(),
        active=terms.active,
        effective_from=effective_from,
        note=note.strip()[:300],
        created_by=acting_user,
    )


def _payload(terms: PlanTerms, effective_from: date) -> dict[str, Any]:
    return {
        "name": terms.name,
        "segment": terms.segment.value,
        "product": terms.product,
        "min_amount": terms.min_amount,
        "max_amount": terms.max_amount,
        "fee_min": str(terms.fee_min),
        "fee_max": str(terms.fee_max),
        "advance_rate": str(terms.advance_rate),
        "speed": terms.speed,
        "active": terms.active,
        "effective_from": effective_from.isoformat(),
    }


def create_plan(
    *, acting_user: Any, code: str, terms: PlanTerms, effective_from: date | None = None
) -> Plan:
    """A new plan with its first version (effective today unless a later date is given)."""
    start = effective_from or timezone.localdate()
    _check(terms)
    if not code or Plan.objects.filter(code=code).exists():
        raise DomainError("plan.code", "このプランコードは使えません（重複）。", field="code")
    with transaction.atomic():
        plan = Plan.objects.create(code=code, created_by=acting_user)
        version = _store_version(
            plan, terms, effective_from=start, note="", acting_user=acting_user
        )
        audit.record(
            "plan.created",
            actor=acting_user,
            obj=plan,
            payload={"version": version.pk, **_payload(terms, start)},
        )
    return plan


def revise_plan(
    plan: Plan, *, acting_user: Any, terms: PlanTerms, effective_from: date, note: str = ""
) -> PlanVersion:
    """A new version of the plan's terms from ``effective_from`` (today or later: the terms
    applications were already held to are history and never rewritten)."""
    if effective_from < timezone.localdate():
        raise DomainError(
            "plan.effective_past",
            "適用開始日は今日以降の日付にしてください（過去の条件は変更できません）。",
            field="effective_from",
        )
    _check(terms)
    with transaction.atomic():
        Plan.objects.select_for_update().get(pk=plan.pk)
        version = _store_version(
            plan, terms, effective_from=effective_from, note=note, acting_user=acting_user
        )
        audit.record(
            "plan.revised",
            actor=acting_user,
            obj=plan,
            payload={
                "version": version.pk,
                "note": version.note,
                **_payload(terms, effective_from),
            },
        )
    return version


def current_version(plan: Plan, on: date | None = None) -> PlanVersion | None:
    day = on or timezone.localdate()
    versions = list(plan.versions.all())
    chosen = version_on((terms_of(v) for v in versions), day)
    return next((v for v in versions if chosen and v.pk == chosen.version_id), None)


def plans_in_force(on: date | None = None) -> list[PlanVersion]:
    """The version of every plan in force on a day (inactive ones included)."""
    day = on or timezone.localdate()
    by_plan: dict[int, list[PlanVersion]] = {}
    for v in PlanVersion.objects.select_related("plan").filter(effective_from__lte=day):
        by_plan.setdefault(v.plan_id, []).append(v)
    found: list[PlanVersion] = []
    for versions in by_plan.values():
        chosen = version_on((terms_of(v) for v in versions), day)
        found.extend(v for v in versions if chosen and v.pk == chosen.version_id)
    return sorted(found, key=lambda v: (v.segment, v.product, v.max_amount, v.plan.code))


def plans_for(segment: str, product: str | None = None) -> list[PlanVersion]:
    """Active plans in force today for an applicant's segment (and product)."""
    return [
        v
        for v in plans_in_force()
        if v.active and v.segment == segment and (product is None or v.product == product)
    ]


def resolve_plan(
    *,
    segment: str,
    product: str,
    amount: int,
    plan_id: int | None = None,
    field: str = "amount",
) -> PlanVersion | None:
    """The plan version a deal is held to — the applicant's choice, or the one that applies.

    Raises a DomainError (a :class:`~urikake.domain.plans.PlanLimitError` naming the limit
    for an amount outside the range) before anything is stored. ``None`` only while the
    operator has defined no plan at all (an installation without plans keeps working).
    """
    in_force = plans_in_force()
    if plan_id is not None:
        version = next((v for v in in_force if v.plan_id == plan_id), None)
        if version is None or version.segment != segment or version.product != product:
            raise DomainError(
                "plan.unavailable", "選択したプランはご利用いただけません。", field="plan"
            )
        check_amount(terms_of(version), amount, field=field)
        return version
    if not in_force:
        return None
    chosen = choose_plan(
        [terms_of(v) for v in in_force],
        segment=Segment(segment),
        product=product,
        amount=amount,
        field=field,
    )
    if chosen is None:
        raise DomainError(
            "plan.none_for_product",
            "この事業形態・資金化の方法でご利用いただけるプランがありません。",
            field="product",
        )
    return next(v for v in in_force if v.pk == chosen.version_id)


# --- credit lines ------------------------------------------------------------------------


def credit_line_of(organization: Organization) -> CreditLine | None:
    return CreditLine.objects.filter(organization=organization).first()


def credit_line_shown(organization: Organization) -> CreditLine | None:
    """:func:`credit_line_of` for a page, read once per organisation object: my page shows the
    line in two places (the dashboard and the card). The organisation object is the request's
    own (loaded for each request), so this never outlives the request; writes use
    :func:`credit_line_of`."""
    cached: CreditLine | None
    try:
        cached = organization.__dict__["_urikake_credit_line"]
    except KeyError:
        cached = organization.__dict__["_urikake_credit_line"] = credit_line_of(organization)
    return cached


def _apply(
    line: CreditLine, change: rules.LineChange, *, application_ref: int | None, acting_user: Any
) -> CreditLineChange:
    line.amount = change.amount
    line.reason = change.reason
    line.save(update_fields=["amount", "reason", "updated_at"])
    row = CreditLineChange.objects.create(
        credit_line=line,
        previous=change.previous,
        amount=change.amount,
        code=change.code,
        reason=change.reason,
        params=change.params,
        application_ref=application_ref,
        actor=audit.actor_label(acting_user),
    )
    audit.record(
        change.code,
        actor=acting_user,
        obj=line,
        payload={
            "organization": line.organization_id,
            "previous": change.previous,
            "amount": change.amount,
            "application": application_ref,
        },
    )
    return row


def start_credit_line(
    organization: Organization,
    *,
    approved_face: int,
    grade: str,
    application_ref: int | None,
    acting_user: Any,
) -> CreditLine:
    """Set the client's first line from its first approved deal (a no-op once it has one)."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        line = credit_line_of(organization)
        if line is not None:
            return line
        change = rules.initial_line(approved_face, grade)
        line = CreditLine.objects.create(organization=organization, amount=0, reason=change.reason)
        _apply(line, change, application_ref=application_ref, acting_user=acting_user)
    return line


def adjust_credit_line(
    organization: Organization, *, amount: int, reason: str, acting_user: Any
) -> CreditLine:
    """A reviewer sets the client's line by hand, with the reason (history and audit kept)."""
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        line = credit_line_of(organization)
        change = rules.manual_line(line.amount if line else 0, amount, reason=reason)
        if line is None:
            line = CreditLine.objects.create(organization=organization, amount=0, reason="")
        _apply(line, change, application_ref=None, acting_user=acting_user)
    return line


def check_credit(
    organization: Organization, *, amount: int, outstanding: int
) -> rules.LineCheck | None:
    """Hold a deal against the client's line (None while the client has no line yet)."""
    line = credit_line_of(organization)
    if line is None:
        return None
    return rules.check_against_line(line.amount, outstanding=outstanding, amount=amount)


_SETTLEMENT_CODES = ("credit_line.grew", "credit_line.held", "credit_line.capped")


def _worst_grade(application: Any) -> str:
    grades = [inv.get("grade") for inv in (application.screening_result or {}).get("invoices", [])]
    return max((g for g in grades if g), default="E")


def record_settlement(
    application: Any, *, acting_user: Any, settled_on: date | None = None
) -> CreditLineChange | None:
    """A financed deal was settled: grow the client's line by the rule of
    :mod:`urikake.domain.credit_lines` and record why. Idempotent per application.

    ``application`` is the settled financing application (its organisation, invoices and
    audit trail are read; nothing of it is changed). A client without a line gets one
    started from this deal first.
    """
    day = settled_on or timezone.localdate()
    invoices = list(application.invoices.all())
    face = sum(inv.total_amount for inv in invoices)
    defaulted = AuditRecord.objects.filter(
        object_type=application._meta.label_lower,
        object_id=str(application.pk),
        payload__status="defaulted",
    ).exists()
    on_time = rules.settled_on_time(
        latest_due=max(inv.due_date for inv in invoices), settled_on=day, defaulted=defaulted
    )
    with transaction.atomic():
        organization = application.organization
        Organization.objects.select_for_update().get(pk=organization.pk)
        done = CreditLineChange.objects.filter(
            application_ref=application.pk, code__in=_SETTLEMENT_CODES
        ).first()
        if done is not None:
            return done
        line = credit_line_of(organization)
        if line is None:
            line = start_credit_line(
                organization,
                approved_face=face,
                grade=_worst_grade(application),
                application_ref=application.pk,
                acting_user=acting_user,
            )
        change = rules.growth_on_settlement(line.amount, settled_face=face, on_time=on_time)
        return _apply(line, change, application_ref=application.pk, acting_user=acting_user)
