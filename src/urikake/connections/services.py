"""Every change to the connection register: one function per verb, one transaction, one audit
record. The rules (steps, maker ≠ checker, what each step needs) are
:mod:`urikake.domain.connections`; this module loads a row, asks the rule, stores the answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.connections.models import (
    CHECKLIST,
    Connection,
    Evidence,
    ExpiryAlert,
    PendingRequest,
    TimelineEntry,
)
from urikake.domain import connections as rules
from urikake.domain.errors import DomainError

REGISTER_FIELDS = (
    "title",
    "direction",
    "environment",
    "purpose",
    "data_categories",
    "counterpart",
    "contacts",
    "incident_contact",
    "protocol",
    "auth_method",
    "client_id",
    "rate_limit",
    "retention",
    "conditions",
    "memorandum",
)
TERM_KEYS = (
    "hosts",
    "endpoints",
    "operations",
    "certificates",
    "source_ips",
    "scopes",
    "credential_fingerprint",
)
DATE_KEYS = ("valid_from", "valid_to")


def _label(user: Any) -> str:
    return audit.actor_label(user)


def _locked(connection: Connection) -> Connection:
    return Connection.objects.select_for_update().get(pk=connection.pk)


def _pending(connection: Connection) -> PendingRequest | None:
    return connection.requests.filter(outcome="").first()


def _to_domain_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    for key in DATE_KEYS:
        if isinstance(data.get(key), str) and data[key]:
            data[key] = date.fromisoformat(data[key])
    return data


def _to_json_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in payload.items()}


def lifecycle_of(connection: Connection) -> rules.Lifecycle:
    pending = _pending(connection)
    return rules.Lifecycle(
        stage=rules.Stage(connection.stage),
        pending=None
        if pending is None
        else rules.Pending(
            pending.action, _label(pending.maker), _to_domain_payload(pending.payload)
        ),
        approval_number=connection.approval_number,
        valid_from=connection.valid_from,
        valid_to=connection.valid_to,
    )


def _timeline(
    connection: Connection,
    event: str,
    *,
    actor: Actor,
    from_stage: str = "",
    to_stage: str = "",
    maker: Any = None,
    checker: Any = None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    TimelineEntry.objects.create(
        connection=connection,
        at=timezone.now(),
        event=event,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=_label(actor),
        maker=maker,
        checker=checker,
        note=note,
        details=_to_json_payload(details or {}),
    )


def clean_terms(data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the known term keys, each of the right shape; DomainError otherwise."""
    terms: dict[str, Any] = {}
    for key in TERM_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key == "credential_fingerprint":
            if not isinstance(value, str) or len(value) > 64:
                raise DomainError("connections.terms", "認証情報のフィンガープリントが不正です。")
            terms[key] = value
        elif key == "certificates":
            if not isinstance(value, list):
                raise DomainError("connections.terms", "証明書は一覧で指定してください。")
            certs = []
            for cert in value:
                if not isinstance(cert, dict) or not isinstance(cert.get("fingerprint"), str):
                    raise DomainError(
                        "connections.terms", "証明書にはフィンガープリントが必要です。"
                    )
                fingerprint = rules.normalise_fingerprint(cert["fingerprint"])
                if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
                    raise DomainError(
                        "connections.terms",
                        "証明書のフィンガープリントは SHA-256（16進64桁）で指定してください。",
                    )
                certs.append(
                    {
                        "fingerprint": fingerprint,
                        "issuer": str(cert.get("issuer", ""))[:200],
                        "expires": str(cert.get("expires", ""))[:10],
                    }
                )
            terms[key] = certs
        else:
            if not isinstance(value, list) or not all(
                isinstance(v, str) and 0 < len(v) <= 200 for v in value
            ):
                raise DomainError("connections.terms", f"{key} は文字列の一覧で指定してください。")
            terms[key] = list(value)
    for cert in terms.get("certificates", ()):
        if cert["expires"]:
            try:
                date.fromisoformat(cert["expires"])
            except ValueError as exc:
                raise DomainError(
                    "connections.terms", "証明書の有効期限の日付が不正です。"
                ) from exc
    for ip in terms.get("source_ips", ()):
        if not rules.ip_allowed(ip.split("/")[0], [ip]):
            raise DomainError("connections.terms", f"送信元IPアドレス {ip} が不正です。")
    return terms


def register(
    name: str,
    *,
    acting_user: Actor,
    owner: Any = None,
    terms: Mapping[str, Any] | None = None,
    checklist: Mapping[str, Any] | None = None,
    **fields: Any,
) -> Connection:
    """A new connection in the register, stage 企画 (planned)."""
    unknown = set(fields) - set(REGISTER_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    if Connection.objects.filter(name=name).exists():
        raise DomainError("connections.exists", f"接続「{name}」はすでに登録されています。")
    if not fields.get("purpose"):
        raise DomainError("connections.purpose", "利用目的を入力してください。", field="purpose")
    with transaction.atomic():
        connection = Connection.objects.create(
            name=name,
            owner=owner,
            terms=clean_terms(terms or {}),
            checklist=clean_checklist(checklist or {}),
            **fields,
        )
        _timeline(connection, "registered", actor=acting_user, to_stage=connection.stage)
        audit.record(
            "connection.registered",
            actor=acting_user,
            obj=connection,
            payload={"name": name, "environment": connection.environment},
        )
    return connection


def clean_checklist(data: Mapping[str, Any]) -> dict[str, Any]:
    known = dict(CHECKLIST)
    result: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise DomainError("connections.checklist", f"不明なチェック項目です: {key}")
        item = value if isinstance(value, dict) else {"done": bool(value)}
        result[key] = {"done": bool(item.get("done")), "note": str(item.get("note", ""))[:500]}
    return result


def update_checklist(
    connection: Connection, data: Mapping[str, Any], *, acting_user: Actor
) -> Connection:
    with transaction.atomic():
        row = _locked(connection)
        row.checklist = {**row.checklist, **clean_checklist(data)}
        row.save(update_fields=["checklist", "updated_at"])
        _timeline(row, "checklist", actor=acting_user, details={"items": sorted(data)})
        audit.record(
            "connection.checklist_updated",
            actor=acting_user,
            obj=row,
            payload={"items": sorted(data)},
        )
    return row


def propose(
    connection: Connection,
    action: str,
    *,
    acting_user: Any,
    payload: Mapping[str, Any] | None = None,
    note: str = "",
) -> PendingRequest:
    """The maker's half of a step (advance / resume / renew / change)."""
    data = dict(payload or {})
    if action == "change":
        data = {
            **clean_terms(data),
            **({"purpose": data["purpose"]} if data.get("purpose") else {}),
        }
    with transaction.atomic():
        row = _locked(connection)
        rules.propose(
            lifecycle_of(row), action, maker=_label(acting_user), payload=_to_domain_payload(data)
        )
        request = PendingRequest.objects.create(
            connection=row,
            action=action,
            from_stage=row.stage,
            payload=_to_json_payload(data),
            note=note[:2000],
            maker=acting_user,
        )
        _timeline(
            row,
            f"proposed_{action}",
            actor=acting_user,
            from_stage=row.stage,
            to_stage=rules.FORWARD.get(rules.Stage(row.stage), rules.Stage(row.stage)).value
            if action == "advance"
            else "",
            maker=acting_user,
            note=note,
            details=data,
        )
        audit.record(
            f"connection.{action}_proposed",
            actor=acting_user,
            obj=row,
            payload={"request": request.pk, "from_stage": row.stage, "keys": sorted(data)},
        )
    return request


def confirm(connection: Connection, *, acting_user: Any, note: str = "") -> Connection:
    """The checker's half: the proposed step takes effect (never by its own maker)."""
    with transaction.atomic():
        row = _locked(connection)
        request = _pending(row)
        before = lifecycle_of(row)
        after = rules.confirm(before, checker=_label(acting_user))
        assert request is not None  # rules.confirm refused otherwise
        payload = _to_domain_payload(request.payload)
        row.stage = after.stage.value
        row.approval_number = after.approval_number
        row.valid_from, row.valid_to = after.valid_from, after.valid_to
        if request.action == "advance" and before.stage is rules.Stage.ACCEPTANCE:
            row.conditions = str(payload.get("conditions", row.conditions))
            row.memorandum = str(payload.get("memorandum", row.memorandum))
            row.operating_agreement = str(payload.get("operating_agreement", ""))
            row.next_review_due = timezone.localdate() + rules.REVIEW_INTERVAL
        if request.action == "renew":
            row.next_review_due = timezone.localdate() + rules.REVIEW_INTERVAL
        if request.action == "change":
            row.terms = {**row.terms, **{k: v for k, v in payload.items() if k in TERM_KEYS}}
            if payload.get("purpose"):
                row.purpose = str(payload["purpose"])
            row.version += 1
        row.save()
        request.checker = acting_user
        request.decided_at = timezone.now()
        request.outcome = "approved"
        request.save(update_fields=["checker", "decided_at", "outcome"])
        _timeline(
            row,
            f"confirmed_{request.action}",
            actor=acting_user,
            from_stage=before.stage.value,
            to_stage=row.stage,
            maker=request.maker,
            checker=acting_user,
            note=note,
            details=request.payload,
        )
        audit.record(
            f"connection.{request.action}_confirmed",
            actor=acting_user,
            obj=row,
            payload={
                "request": request.pk,
                "maker": _label(request.maker),
                "from_stage": before.stage.value,
                "to_stage": row.stage,
                "approval_number": row.approval_number,
                "version": row.version,
            },
        )
    return row


def reject(connection: Connection, *, acting_user: Any, note: str = "") -> Connection:
    with transaction.atomic():
        row = _locked(connection)
        request = _pending(row)
        rules.reject(lifecycle_of(row), checker=_label(acting_user))
        assert request is not None
        request.checker = acting_user
        request.decided_at = timezone.now()
        request.outcome = "rejected"
        request.save(update_fields=["checker", "decided_at", "outcome"])
        _timeline(
            row,
            f"rejected_{request.action}",
            actor=acting_user,
            maker=request.maker,
            checker=acting_user,
            note=note,
        )
        audit.record(
            "connection.request_rejected",
            actor=acting_user,
            obj=row,
            payload={"request": request.pk},
        )
    return row


def suspend(connection: Connection, *, acting_user: Actor, reason: str) -> Connection:
    """Stop traffic now (one person may stop; resuming needs maker + checker)."""
    if not reason.strip():
        raise DomainError("connections.reason", "停止の理由を入力してください。", field="reason")
    return _single_step(
        connection, rules.suspend, "suspended", acting_user=acting_user, note=reason
    )


def revoke(connection: Connection, *, acting_user: Actor, reason: str) -> Connection:
    if not reason.strip():
        raise DomainError("connections.reason", "取消の理由を入力してください。", field="reason")
    return _single_step(connection, rules.revoke, "revoked", acting_user=acting_user, note=reason)


def _single_step(
    connection: Connection, rule: Any, event: str, *, acting_user: Actor, note: str
) -> Connection:
    with transaction.atomic():
        row = _locked(connection)
        before = rules.Stage(row.stage)
        after = rule(lifecycle_of(row))
        row.stage = after.stage.value
        row.save(update_fields=["stage", "updated_at"])
        pending = _pending(row)
        if pending is not None:  # a stop withdraws whatever was waiting
            pending.outcome = "withdrawn"
            pending.decided_at = timezone.now()
            pending.save(update_fields=["outcome", "decided_at"])
        _timeline(
            row, event, actor=acting_user, from_stage=before.value, to_stage=row.stage, note=note
        )
        audit.record(
            f"connection.{event}",
            actor=acting_user,
            obj=row,
            payload={"from_stage": before.value, "reason": note[:500]},
        )
    return row


def attach_evidence(
    connection: Connection,
    *,
    acting_user: Any,
    title: str,
    content: bytes,
    mime: str,
    checklist_item: str = "",
) -> Evidence:
    """Store a (validated) evidence file for the connection's current step."""
    if checklist_item and checklist_item not in dict(CHECKLIST):
        raise DomainError("connections.checklist", "不明なチェック項目です。")
    digest = hashlib.sha256(content).hexdigest()
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(mime, "bin")
    with transaction.atomic():
        evidence = Evidence(
            connection=connection,
            stage=connection.stage,
            checklist_item=checklist_item,
            title=title[:200] or "証跡",
            sha256=digest,
            mime=mime,
            uploaded_by=acting_user,
        )
        evidence.file.save(
            f"{connection.name}-{digest[:12]}.{extension}", ContentFile(content), save=False
        )
        evidence.save()
        _timeline(
            connection,
            "evidence",
            actor=acting_user,
            details={"title": evidence.title, "sha256": digest, "item": checklist_item},
        )
        audit.record(
            "connection.evidence_attached",
            actor=acting_user,
            obj=connection,
            payload={"sha256": digest, "stage": connection.stage, "item": checklist_item},
        )
    return evidence


# --- operations (the periodic task) ------------------------------------------------------------

OPERATIONS_ACTOR = "system:connections-operations"


@dataclass
class OperationsReport:
    expired: list[str]
    renewal_due: list[str]
    alerts: list[str]


def run_operations(*, today: date | None = None) -> OperationsReport:
    """Expire what is past its validity (automatic suspension of traffic), mark renewals due,
    mail the owners once per 60/30/7-day threshold for approvals and certificates, and remind
    them of the annual review (棚卸). Safe to run as often as you like."""
    from urikake.mail import services as mail

    today = today or timezone.localdate()
    report = OperationsReport([], [], [])
    for connection in Connection.objects.select_related("owner").order_by("name"):
        with transaction.atomic():
            row = _locked(connection)
            state = lifecycle_of(row)
            expired = rules.expire_if_due(state, today)
            due = rules.mark_renewal_due(expired, today)
            if due.stage is not state.stage:
                event = "expired" if due.stage is rules.Stage.EXPIRED else "renewal_due"
                row.stage = due.stage.value
                row.save(update_fields=["stage", "updated_at"])
                _timeline(
                    row,
                    event,
                    actor=OPERATIONS_ACTOR,
                    from_stage=state.stage.value,
                    to_stage=row.stage,
                )
                audit.record(
                    f"connection.{event}",
                    actor=OPERATIONS_ACTOR,
                    obj=row,
                    payload={"valid_to": row.valid_to, "from_stage": state.stage.value},
                )
                (report.expired if event == "expired" else report.renewal_due).append(row.name)
            for subject, label, expires in _expiring_items(row):
                sent = ExpiryAlert.objects.filter(connection=row, subject=subject, expires=expires)
                for days in rules.alert_thresholds_due(
                    expires, today, sent.values_list("threshold_days", flat=True)
                ):
                    ExpiryAlert.objects.create(
                        connection=row,
                        subject=subject,
                        expires=expires,
                        threshold_days=days,
                        sent_at=timezone.now(),
                    )
                    recipients = [row.owner.email] if row.owner and row.owner.email else []
                    mail.send(
                        recipients,
                        "connections/mail/expiry",
                        {
                            "connection": row,
                            "what": label,
                            "expires": expires,
                            "days": (expires - today).days,
                            "threshold": days,
                        },
                    )
                    audit.record(
                        "connection.expiry_alert",
                        actor=OPERATIONS_ACTOR,
                        obj=row,
                        payload={"subject": subject, "expires": expires, "threshold_days": days},
                    )
                    report.alerts.append(f"{row.name}:{subject}:{days}")
    return report


def _expiring_items(row: Connection) -> list[tuple[str, str, date]]:
    if rules.Stage(row.stage) in rules.ENDED:
        return []
    items: list[tuple[str, str, date]] = []
    if row.valid_to is not None and rules.Stage(row.stage) in rules.TRAFFIC_STAGES | {
        rules.Stage.SUSPENDED
    }:
        items.append(("approval", "接続許可の有効期限", row.valid_to))
    for cert in row.terms.get("certificates", ()):
        if cert.get("expires"):
            items.append(
                (
                    f"certificate:{cert['fingerprint'][:16]}",
                    f"証明書（{cert.get('issuer') or cert['fingerprint'][:16]}）の有効期限",
                    date.fromisoformat(cert["expires"]),
                )
            )
    if row.next_review_due is not None:
        items.append(("review", "年次レビュー（棚卸）の期限", row.next_review_due))
    return items


def expiring(
    *, within_days: int = 60, today: date | None = None
) -> list[tuple[Connection, str, date, int]]:
    today = today or timezone.localdate()
    result = []
    for row in Connection.objects.select_related("owner"):
        for _subject, label, expires in _expiring_items(row):
            left = (expires - today).days
            if left <= within_days:
                result.append((row, label, expires, left))
    return sorted(result, key=lambda item: item[3])


def next_review_default() -> date:
    return timezone.localdate() + timedelta(days=365)
