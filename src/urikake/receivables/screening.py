"""Running the screening engine (``urikake.domain.screening``) on a submitted application.

The domain decides; this module only gathers its inputs from the database (the applicant's
statements, the debtor, what the platform already holds for double-assignment checks) and
stores the explained result. It runs as a background task enqueued when an application is
submitted (:mod:`urikake.receivables.tasks`), and is idempotent: an application that has left
``submitted`` is not screened again.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from urikake.audit import services as audit
from urikake.domain import assignment_clauses as clause_rules
from urikake.domain.applications import ApplicationStatus, check_transition
from urikake.domain.screening import (
    ApplicantProfile,
    DebtorProfile,
    ModelScore,
    Outcome,
    PlatformContext,
    PricingPolicy,
    PriorInvoice,
    Product,
    ProductBand,
    Reason,
    ScreeningInput,
    ScreeningResult,
    screen,
)
from urikake.domain.screening.external import ExternalAssessment, assess_external
from urikake.domain.screening.fingerprints import (
    debtor_key,
    invoice_fingerprint,
    near_duplicate_keys,
)
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.faults import checkpoint
from urikake.plans import services as plans
from urikake.receivables import assignment_clauses, external_checks, notices
from urikake.receivables.models import (
    FinancingApplication,
    Invoice,
    InvoiceNearKey,
    StatementEntry,
)

ACTIVE = [
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.OFFERED,
    ApplicationStatus.REFERRED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.FUNDED,
]
#: Deals that use the client's credit line (open exposure).
USING_LINE = [*ACTIVE, ApplicationStatus.DEFAULTED]
_SEVERITY = {Outcome.APPROVE: 0, Outcome.REFER: 1, Outcome.DECLINE: 2}


def _statement_of(organization_id: int) -> Statement:
    """All the organisation's imported movements as one statement (screening reads lines).

    Read as plain rows, not model instances: a year of statements is thousands of lines and
    every screening reads them all."""
    fields = (
        "value_date",
        "direction",
        "amount",
        "counterparty",
        "description",
        "reference",
        "balance_after",
        "edi",
        "line_number",
    )
    rows = StatementEntry.objects.filter(organization_id=organization_id).order_by(
        "value_date", "id"
    )
    lines = tuple(
        StatementLine(
            value_date=value_date,
            direction=Direction(direction),
            amount=amount,
            counterparty=counterparty,
            description=description,
            reference=reference,
            balance_after=balance_after,
            edi=edi,
            line_number=line_number,
        )
        for (
            value_date,
            direction,
            amount,
            counterparty,
            description,
            reference,
            balance_after,
            edi,
            line_number,
        ) in rows.values_list(*fields)
    )
    return Statement(SourceFormat.BANK_API, "", "", None, "", "", None, None, lines)


def _invoice_data(invoice: Invoice) -> Any:
    from urikake.domain.invoices import InvoiceData, TaxBreakdown

    return InvoiceData(
        issuer_name=invoice.organization.name,
        debtor_name=invoice.debtor.name_kana or invoice.debtor.name,
        invoice_number=invoice.invoice_number,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        total_amount=invoice.total_amount,
        issuer_registration_number=invoice.issuer_registration_number,
        debtor_corporate_number=invoice.debtor.corporate_number,
        tax_breakdown=tuple(
            TaxBreakdown(Decimal(t["rate"]), int(t["taxable"]), int(t["tax"]))
            for t in invoice.tax_breakdown
        ),
    )


def _platform_context(
    invoice: Invoice, application: FinancingApplication, data: Any, debtor_names: tuple[str, ...]
) -> PlatformContext:
    """What the rest of the platform already holds: other active applications' invoices.

    The screening only asks whether *this* invoice's fingerprint and near keys are among
    theirs (``urikake.domain.screening.risks``), so only the matching rows are read, by the
    keys the domain computes from the same inputs (indexed lookups): reading every active
    invoice's fingerprint and near keys made each screening slower with every open
    application on the platform.
    """
    dkey = debtor_key(data, debtor_names)
    fingerprint = invoice_fingerprint(data, dkey)
    near_keys = near_duplicate_keys(data, dkey)
    others = Invoice.objects.filter(applications__status__in=ACTIVE).exclude(
        applications=application
    )
    exposure = (
        Invoice.objects.filter(
            debtor__identity_id=invoice.debtor.identity_id, status=Invoice.Status.ASSIGNED
        ).aggregate(total=Sum("total_amount"))["total"]
        or 0
    )
    return PlatformContext(
        existing_fingerprints=frozenset(
            others.filter(fingerprint=fingerprint).values_list("fingerprint", flat=True)
        ),
        existing_near_keys=frozenset(
            InvoiceNearKey.objects.filter(invoice__in=others, key__in=near_keys).values_list(
                "key", flat=True
            )
        ),
        debtor_exposure_yen=int(exposure),
    )


def _established(year: int | None, month: int | None) -> date | None:
    return date(year, month or 1, 1) if year else None


class BaselineScoreProvider:
    """The trained scoring model (``urikake.scoring``) as the screening engine's ScoreProvider.

    The shipped baseline was trained on synthetic data; the explanation stored with every
    application says so (``model_notice``) until an operator retrains on real outcomes.
    """

    def __init__(self) -> None:
        from urikake.scoring.model import load_baseline

        self.model = load_baseline()
        self.notice = ""

    def score(self, features: Any) -> ModelScore:
        known = set(self.model.schema.names)
        result = self.model.predict_one({k: v for k, v in features.items() if k in known})
        self.notice = result.notice if result.synthetic else ""
        return ModelScore(
            probability=result.probability,
            grade=result.grade,
            reasons=tuple(r.code for r in result.reasons),
        )


def pricing_for(application: FinancingApplication) -> PricingPolicy:
    """The pricing policy for an application: the plan's fee band and advance rate replace
    the product's default band (grades are placed inside the plan's band)."""
    policy = PricingPolicy()
    version = application.plan_version
    if version is None:
        return policy
    band = ProductBand(version.fee_min, version.fee_max, version.advance_rate)
    return dataclasses.replace(policy, bands={**policy.bands, Product(version.product): band})


def screen_invoice(
    application: FinancingApplication,
    invoice: Invoice,
    provider: BaselineScoreProvider,
    *,
    clause: clause_rules.ClauseStatus = clause_rules.ClauseStatus.ABSENT,
) -> ScreeningResult:
    org = application.organization
    clause_reason = clause_rules.screening_reason(clause)
    debtor = invoice.debtor
    debtor_names = tuple(n for n in (debtor.name_kana, debtor.name) if n)
    data = _invoice_data(invoice)
    # The applicant's earlier invoices to this debtor, read once as plain rows (their
    # numbers are also the domain's previous_numbers: the same rows, as before).
    earlier = list(
        Invoice.objects.filter(organization=org, debtor=debtor)
        .exclude(pk=invoice.pk)
        .values_list("invoice_number", "issue_date", "due_date", "total_amount")
    )
    return screen(
        ScreeningInput(
            applicant=ApplicantProfile(
                names=tuple(
                    n for n in (org.name, getattr(org, "name_kana", ""), org.trade_name) if n
                ),
                corporate_number=getattr(org, "corporate_number", ""),
                established=_established(
                    getattr(org, "established_year", None), getattr(org, "established_month", None)
                ),
            ),
            debtor=DebtorProfile(names=debtor_names, corporate_number=debtor.corporate_number),
            invoice=data,
            statements=(_statement_of(org.pk),),
            product=Product(application.product),
            now=timezone.localtime(),
            platform=_platform_context(invoice, application, data, debtor_names),
            history=tuple(
                PriorInvoice(invoice_number=number, issue_date=issued, due_date=due, amount=amount)
                for number, issued, due, amount in earlier
            ),
            previous_numbers=tuple(number for number, *_ in earlier),
            score_provider=provider,
            pricing=pricing_for(application),
            extra_reasons=(clause_reason,) if clause_reason else (),
        )
    )


def _reason_out(r: Reason) -> dict[str, Any]:
    out = {"code": r.code, "message": r.message}
    plain = r.evidence.get("applicant_message")
    if isinstance(plain, str):
        out["applicant_message"] = plain
    return out


def _external_reason_out(r: Reason) -> dict[str, Any]:
    """A vendor finding's reason: the staff text, and what the applicant sees instead."""
    out = _reason_out(r)
    # The applicant's code is general: it must not tell them which list they matched.
    out["applicant_code"] = (
        "screening.consent_missing"
        if r.code == "external.no_consent"
        else "screening.declined"
        if r.code in {"external.antisocial.hit", "external.credit.debtor_bankrupt"}
        else "screening.review"
    )
    return out


def _explain(invoice: Invoice, result: ScreeningResult) -> dict[str, Any]:
    reality = result.reality
    return {
        "invoice": invoice.pk,
        "invoice_number": invoice.invoice_number,
        "debtor": invoice.debtor.name,
        "outcome": result.decision.outcome.value,
        "reasons": [_reason_out(r) for r in result.decision.reasons],
        "grade": result.risks.grade,
        "risks": [
            {
                "kind": s.kind.value,
                "label": s.label,
                "score": s.score,
                "level": s.level.value,
                "reasons": [{"code": r.code, "message": r.message} for r in s.reasons],
            }
            for s in result.risks.scores
        ],
        "reality": {
            "payments_12m": reality.payments_12m,
            "months_with_payment": reality.months_with_payment,
            "median_amount": reality.median_amount,
            "regularity": round(reality.regularity, 3),
            "days_since_last_payment": reality.days_since_last_payment,
            "matched_line_keys": list(reality.matched_line_keys),
        },
        "offer": (
            None
            if result.offer is None
            else dataclasses.asdict(dataclasses.replace(result.offer, invoice_id=invoice.pk))
        ),
    }


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, enum.Enum):
            return o.value
        return super().default(o)


def _json(value: Any) -> Any:
    """Plain JSON for a JSONField: dates as ISO text, Decimals as exact strings, enums as
    their values (floats such as similarity scores are fine here: they are not money)."""
    return json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))


def _external(application_id: int) -> tuple[ExternalAssessment, list[dict[str, Any]]] | None:
    """The screening vendors' findings (反社, 信用情報), asked before the screening's transaction
    so that no HTTP call happens inside it; None when the application is not waiting, or the
    checks are switched off (tests that do not exercise them; production refuses that)."""
    if not settings.SCREENING_VENDOR_CHECKS:
        return None
    application = FinancingApplication.objects.select_related("organization").get(pk=application_id)
    if application.status != ApplicationStatus.SUBMITTED:
        return None
    findings, shown = external_checks.run_checks(application)
    return assess_external(findings), shown


def run_screening(application_id: int) -> FinancingApplication:
    """Screen a submitted application; store the decision and the offer (or do nothing if it
    is no longer waiting for screening)."""
    external = _external(application_id)
    with transaction.atomic():
        # Its organisation and plan are read below (applicant profile, pricing, credit line,
        # notices): joined here, and only the application's row is locked, as before.
        application = (
            FinancingApplication.objects.select_for_update(of=("self",))
            .select_related("organization", "plan_version")
            .get(pk=application_id)
        )
        if application.status != ApplicationStatus.SUBMITTED:
            return application
        check_transition(ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING)
        application.status = ApplicationStatus.SCREENING
        application.save(update_fields=["status", "updated_at"])
        invoices = list(application.invoices.select_related("debtor", "organization"))
        provider = BaselineScoreProvider()
        clauses = assignment_clauses.statuses(invoices)
        results = [
            (inv, screen_invoice(application, inv, provider, clause=clauses[inv.pk]))
            for inv in invoices
        ]
        worst = max((r.decision.outcome for _, r in results), key=_SEVERITY.__getitem__)
        line_reasons = _credit_line_reasons(application, invoices)
        if line_reasons and worst is Outcome.APPROVE:
            worst = Outcome.REFER
        if external is not None:
            assessment = external[0]
            worst = max((worst, assessment.outcome), key=_SEVERITY.__getitem__)
            line_reasons += [_external_reason_out(r) for r in assessment.reasons]
        target = {
            Outcome.APPROVE: ApplicationStatus.OFFERED,
            Outcome.REFER: ApplicationStatus.REFERRED,
            Outcome.DECLINE: ApplicationStatus.DECLINED,
        }[worst]
        check_transition(ApplicationStatus.SCREENING, target)
        offers = [
            dataclasses.replace(r.offer, invoice_id=inv.pk)
            for inv, r in results
            if r.offer is not None
        ]
        totals: dict[str, int] = defaultdict(int)
        for offer in offers:
            for name in (
                "face_amount",
                "advance_amount",
                "fee",
                "admin_fee",
                "net_payout",
                "holdback",
            ):
                totals[name] += getattr(offer, name)
        application.status = target
        application.decided_at = timezone.now()
        application.screening_result = _json(
            {
                "outcome": worst.value,
                "model_notice": provider.notice,
                "reasons": line_reasons,
                "invoices": [_explain(inv, r) for inv, r in results],
                **({"external_checks": external[1]} if external is not None else {}),
            }
        )
        application.offer = (
            _json(
                {
                    **totals,
                    "payout_date": min(o.payout_date for o in offers),
                    "expires_on": min(o.expires_on for o in offers),
                    "invoices": [dataclasses.asdict(o) for o in offers],
                }
            )
            if offers and target is not ApplicationStatus.DECLINED
            else {}
        )
        application.offer_expires_on = (
            min(o.expires_on for o in offers) if application.offer else None
        )
        application.save()
        checkpoint("screening.in_transaction")  # fault tests: killed before the commit
        audit.record(
            f"application.{target.value}",
            actor="system:screening",
            obj=application,
            payload={
                "status": target.value,
                "outcome": worst.value,
                "net_payout": totals.get("net_payout", 0),
            },
        )
        if target is ApplicationStatus.OFFERED:
            start_line_from(application, acting_user="system:screening")
        notices.decided(application)
    return application


def _credit_line_reasons(
    application: FinancingApplication, invoices: list[Invoice]
) -> list[dict[str, Any]]:
    """Application-level referral reasons: a deal above the client's available line."""
    check = plans.check_credit(
        application.organization,
        amount=sum(inv.total_amount for inv in invoices),
        outstanding=line_in_use(application.organization_id, excluding=application),
    )
    if check is None or check.within:
        return []
    return [
        {
            "code": check.code,
            "message": check.reason,
            "line": check.line,
            "available": check.available,
        }
    ]


def line_in_use(organization_id: int, *, excluding: FinancingApplication | None = None) -> int:
    """The face value of the organisation's deals that hold its credit line (open deals and
    defaulted ones), the ``used`` of 限度額 − ご利用中 = ご利用可能額."""
    invoices = Invoice.objects.filter(
        applications__organization_id=organization_id, applications__status__in=USING_LINE
    )
    if excluding is not None:
        invoices = invoices.exclude(applications=excluding)
    return int(invoices.distinct().aggregate(total=Sum("total_amount"))["total"] or 0)


def start_line_from(application: FinancingApplication, *, acting_user: Any) -> None:
    """The first approved deal starts the client's credit line (a no-op afterwards)."""
    offer = application.offer or {}
    grades = [i.get("grade") for i in application.screening_result.get("invoices", [])]
    if not offer.get("face_amount"):
        return
    plans.start_credit_line(
        application.organization,
        approved_face=int(offer["face_amount"]),
        grade=max((g for g in grades if g), default="E"),
        application_ref=application.pk,
        acting_user=acting_user,
    )
