"""Perfection (対抗要件具備) of each deal: record what the operator did, in order.

The rules (which method a product needs, whether funding may precede it) are in
:mod:`urikake.domain.perfection`; here each step is one audited service function.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction

from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.errors import DomainError
from urikake.domain.perfection import (
    STAGES_BY_METHOD,
    FilingClaim,
    FilingParty,
    Method,
    Stage,
    registration_filing_xml,
)
from urikake.receivables import notices
from urikake.receivables.models import FinancingApplication
from urikake.treasury.models import Perfection
from urikake.treasury.policy import operator_identity, perfection_policy


def open_perfection(application: FinancingApplication) -> Perfection:
    """The perfection record of a deal, created with the method its product's policy names."""
    method = perfection_policy(application.product).method
    perfection, _ = Perfection.objects.get_or_create(
        application=application, defaults={"method": method.value}
    )
    return perfection


# A deal has (or should have) a perfection record from its contract on.
_CONTRACTED_STATUSES = ("contracted", "funded", "settled", "defaulted")


def perfection_of(application: FinancingApplication) -> Perfection | None:
    """Read only: the deal's perfection record; for a contracted deal whose record was never
    opened (contracted before signing opened it), an unsaved one at its first stage — the
    first recorded step saves it. None before the contract."""
    existing = Perfection.objects.filter(application=application).first()
    if existing is not None or application.status not in _CONTRACTED_STATUSES:
        return existing
    method = perfection_policy(application.product).method
    return Perfection(application=application, method=method.value)


def _step(
    perfection: Perfection,
    *,
    allowed_from: Iterable[Stage],
    to: Stage,
    actor: Actor,
    action: str,
    fields: dict[str, Any],
) -> Perfection:
    with transaction.atomic():
        locked = Perfection.objects.select_for_update().get(pk=perfection.pk)
        current = Stage(locked.stage)
        if to not in STAGES_BY_METHOD[Method(locked.method)]:
            raise DomainError(
                "perfection.wrong_method",
                f"この案件の対抗要件は「{Method(locked.method).label}」です。",
            )
        if current not in allowed_from:
            raise DomainError(
                "perfection.wrong_stage",
                f"対抗要件が「{current.label}」の状態では、この操作はできません。",
            )
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.stage = to.value
        locked.save()
        audit.record(
            action,
            actor=actor,
            obj=locked,
            payload={
                "application": locked.application_id,
                "stage": to.value,
                **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()},
            },
        )
        if to.is_perfected and not current.is_perfected:
            notices.about_application("perfection_done", locked.application)
    return locked


def _require_date(value: Any, field: str, what: str) -> date:
    if not isinstance(value, date):
        raise DomainError("perfection.date_required", f"{what}を入力してください。", field=field)
    return value


def record_notice_sent(
    perfection: Perfection, *, certified_date: date | None, sent_on: date | None, acting_user: Actor
) -> Perfection:
    """内容証明郵便などで通知を発送した(確定日付 = the post office's date stamp)."""
    certified_date = _require_date(certified_date, "certified_date", "確定日付")
    sent_on = _require_date(sent_on, "sent_on", "発送日")
    return _step(
        perfection,
        allowed_from=[Stage.PENDING],
        to=Stage.NOTICE_SENT,
        actor=acting_user,
        action="perfection.notice_sent",
        fields={"certified_date": certified_date, "notice_sent_on": sent_on},
    )


def record_notice_delivered(
    perfection: Perfection, *, delivered_on: date | None, acting_user: Actor
) -> Perfection:
    """The notice reached the debtor (配達証明の日付): perfected from that day."""
    delivered_on = _require_date(delivered_on, "delivered_on", "到達日")
    if perfection.notice_sent_on and delivered_on < perfection.notice_sent_on:
        raise DomainError(
            "perfection.delivered_before_sent",
            "到達日が発送日より前になっています。",
            field="delivered_on",
        )
    return _step(
        perfection,
        allowed_from=[Stage.NOTICE_SENT],
        to=Stage.PERFECTED,
        actor=acting_user,
        action="perfection.notice_delivered",
        fields={"delivered_on": delivered_on},
    )


def record_consent(
    perfection: Perfection,
    *,
    certified_date: date | None,
    consented_on: date | None,
    acting_user: Actor,
) -> Perfection:
    """The debtor's consent (承諾書) with a 確定日付 (e.g. 公証役場の日付印)."""
    certified_date = _require_date(certified_date, "certified_date", "確定日付")
    consented_on = _require_date(consented_on, "consented_on", "承諾日")
    return _step(
        perfection,
        allowed_from=[Stage.PENDING],
        to=Stage.PERFECTED,
        actor=acting_user,
        action="perfection.consented",
        fields={"certified_date": certified_date, "delivered_on": consented_on},
    )


def record_filing(
    perfection: Perfection, *, filed_on: date | None, acting_user: Actor
) -> Perfection:
    filed_on = _require_date(filed_on, "filed_on", "申請日")
    return _step(
        perfection,
        allowed_from=[Stage.PENDING],
        to=Stage.FILED,
        actor=acting_user,
        action="perfection.filed",
        fields={"filed_on": filed_on},
    )


def record_registration(
    perfection: Perfection,
    *,
    registration_number: str,
    registered_on: date | None,
    expires_on: date | None,
    acting_user: Actor,
) -> Perfection:
    number = (registration_number or "").strip()
    if not number:
        raise DomainError(
            "perfection.number_required",
            "登記番号を入力してください。",
            field="registration_number",
        )
    registered_on = _require_date(registered_on, "registered_on", "登記日")
    expires_on = _require_date(expires_on, "expires_on", "存続期間の満了日")
    if expires_on <= registered_on:
        raise DomainError(
            "perfection.bad_expiry", "満了日は登記日より後にしてください。", field="expires_on"
        )
    return _step(
        perfection,
        allowed_from=[Stage.FILED],
        to=Stage.PERFECTED,
        actor=acting_user,
        action="perfection.registered",
        fields={
            "registration_number": number,
            "registered_on": registered_on,
            "registration_expires_on": expires_on,
        },
    )


def record_extension(
    perfection: Perfection, *, expires_on: date | None, acting_user: Actor
) -> Perfection:
    expires_on = _require_date(expires_on, "expires_on", "延長後の満了日")
    if perfection.registration_expires_on and expires_on <= perfection.registration_expires_on:
        raise DomainError(
            "perfection.bad_extension",
            "延長後の満了日は現在の満了日より後にしてください。",
            field="expires_on",
        )
    return _step(
        perfection,
        allowed_from=[Stage.PERFECTED, Stage.EXTENDED],
        to=Stage.EXTENDED,
        actor=acting_user,
        action="perfection.extended",
        fields={"registration_expires_on": expires_on},
    )


def record_cancellation(
    perfection: Perfection, *, cancelled_on: date | None, acting_user: Actor
) -> Perfection:
    """抹消登記 (or a notice withdrawn because the deal was unwound)."""
    cancelled_on = _require_date(cancelled_on, "cancelled_on", "抹消日")
    return _step(
        perfection,
        allowed_from=[Stage.PENDING, Stage.FILED, Stage.PERFECTED, Stage.EXTENDED],
        to=Stage.CANCELLED,
        actor=acting_user,
        action="perfection.cancelled",
        fields={"cancelled_on": cancelled_on},
    )


def record_step(p: Perfection, data: dict[str, Any], *, acting_user: Actor) -> Perfection:
    """Dispatch one perfection step by name (shared by the API and the back-office form)."""
    step = data.get("step")
    on = data.get("on")
    if step == "notice_sent":
        return record_notice_sent(
            p, certified_date=data.get("certified_date"), sent_on=on, acting_user=acting_user
        )
    if step == "notice_delivered":
        return record_notice_delivered(p, delivered_on=on, acting_user=acting_user)
    if step == "consent":
        return record_consent(
            p, certified_date=data.get("certified_date"), consented_on=on, acting_user=acting_user
        )
    if step == "filed":
        return record_filing(p, filed_on=on, acting_user=acting_user)
    if step == "registered":
        return record_registration(
            p,
            registration_number=data.get("registration_number", ""),
            registered_on=on,
            expires_on=data.get("expires_on"),
            acting_user=acting_user,
        )
    if step == "extended":
        return record_extension(p, expires_on=data.get("expires_on"), acting_user=acting_user)
    if step == "cancelled":
        return record_cancellation(p, cancelled_on=on, acting_user=acting_user)
    raise DomainError("perfection.unknown_step", "手続きの種類が正しくありません。", field="step")


def filing_data(perfections: Iterable[Perfection], *, cause_date: date, years: int = 5) -> bytes:
    """債権譲渡登記の申請データ for the claims of the given deals (one assignor at a time)."""
    deals = [p.application for p in perfections]
    if not deals:
        raise DomainError("perfection.no_claims", "登記する案件を選んでください。")
    organizations = {a.organization_id for a in deals}
    if len(organizations) != 1:
        raise DomainError(
            "perfection.one_assignor", "1件の登記申請には同じ譲渡人の案件だけを含めてください。"
        )
    assignor = deals[0].organization
    operator = operator_identity()
    claims: list[FilingClaim] = []
    for application in deals:
        for invoice in application.invoices.select_related("debtor").order_by("pk"):
            claims.append(
                FilingClaim(
                    number=len(claims) + 1,
                    debtor=FilingParty(
                        invoice.debtor.name, invoice.debtor.address, invoice.debtor.corporate_number
                    ),
                    invoice_number=invoice.invoice_number,
                    issue_date=invoice.issue_date,
                    due_date=invoice.due_date,
                    amount=invoice.total_amount,
                )
            )
    return registration_filing_xml(
        assignor=FilingParty(assignor.name, assignor.address, assignor.corporate_number),
        assignee=FilingParty(operator.name, operator.address, operator.corporate_number),
        claims=claims,
        cause_date=cause_date,
        duration_years=years,
    )
