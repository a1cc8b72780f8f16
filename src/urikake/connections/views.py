"""接続許可 pages for compliance staff: the register (with each connection's health), one
connection's timeline with evidence and the lifecycle actions as forms (maker / checker),
pending approvals, expiring items. Pages only call :mod:`urikake.connections.services`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Max, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.connections import forms, services
from urikake.connections.models import (
    CHECKLIST,
    CallRecord,
    Connection,
    Evidence,
    PendingRequest,
    stage_name,
)
from urikake.domain import connections as rules
from urikake.domain.errors import DomainError
from urikake.integrations import http
from urikake.security.uploads import validate_upload

HEALTH_WINDOW = timedelta(days=7)
ACTION_LABELS = {
    "advance": gettext_noop("次の手順へ進める"),
    "resume": gettext_noop("停止の解除"),
    "renew": gettext_noop("更新（有効期限の延長）"),
    "change": gettext_noop("変更申請（接続条件）"),
}
EVENT_LABELS = {
    "registered": gettext_lazy("台帳に登録"),
    "checklist": gettext_lazy("チェックリスト更新"),
    "evidence": gettext_lazy("証跡を添付"),
    "suspended": gettext_lazy("停止"),
    "revoked": pgettext_lazy("connection stage", "取消"),
    "expired": gettext_lazy("期限切れ（自動停止）"),
    "renewal_due": gettext_lazy("更新期限間近"),
}
DECISION_WORDS = (
    ("proposed_", gettext_lazy("申請")),
    ("confirmed_", pgettext_lazy("connection decision", "承認")),
    ("rejected_", gettext_lazy("却下")),
)


def _action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else ""


def _event_label(event: str) -> str:
    for prefix, word in DECISION_WORDS:
        if event.startswith(prefix):
            return f"{_action_label(event[len(prefix) :])}：{word}"
    return str(EVENT_LABELS[event]) if event in EVENT_LABELS else ""


def _stage_label(value: str) -> str:
    try:
        return stage_name(rules.Stage(value))
    except ValueError:
        return ""


def health() -> dict[str, dict[str, Any]]:
    since = timezone.now() - HEALTH_WINDOW
    rows = (
        CallRecord.objects.filter(at__gte=since)
        .values("connection_name")
        .annotate(
            total=Count("pk"),
            errors=Count("pk", filter=~Q(outcome="ok")),
            refused=Count("pk", filter=Q(outcome="refused")),
            avg_latency=Avg("latency_ms", filter=Q(outcome="ok")),
            last_ok=Max("at", filter=Q(outcome="ok")),
            max_skew=Max("skew_seconds"),
            min_skew=Min("skew_seconds"),
        )
    )
    result = {}
    for row in rows:
        total = row["total"] or 0
        skews = [s for s in (row["max_skew"], row["min_skew"]) if s is not None]
        worst = max(skews, key=abs) if skews else None
        result[row["connection_name"]] = {
            "skew": worst,
            "skew_warning": worst is not None
            and abs(worst) > http.RETRY_POLICY.skew_warning_seconds,
            **row,
            "error_rate": f"{(row['errors'] * 100 // total) if total else 0}%",
            "avg_latency": int(row["avg_latency"]) if row["avg_latency"] is not None else None,
        }
    return result


@staff(Capability.MANAGE_CONNECTIONS)
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    stats = health()
    pending = set(PendingRequest.objects.filter(outcome="").values_list("connection_id", flat=True))
    rows = [
        {"connection": c, "health": stats.get(c.name), "pending": c.pk in pending}
        for c in Connection.objects.select_related("owner").order_by("name")
    ]
    return render(
        request, "connections/register.html", {"rows": rows, "window_days": HEALTH_WINDOW.days}
    )


@staff(Capability.MANAGE_CONNECTIONS)
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {k: data[k] for k in services.REGISTER_FIELDS if k in data}
        try:
            connection = services.register(
                data["name"],
                acting_user=request.user,
                owner=request.user,
                terms=form.terms(),
                **fields,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("接続を台帳に登録しました。"))
            return redirect("connections:detail", name=connection.name)
    return render(request, "connections/create.html", {"form": form})


def _handle(request: HttpRequest, connection: Connection) -> str | None:
    """Apply one posted action; None on success, else the error for the page."""
    action = request.POST.get("action", "")
    stage = rules.Stage(connection.stage)
    user: Any = request.user
    if action == "propose":
        form = forms.ProposeForm(request.POST, stage=stage)
        if not form.is_valid():
            return (
                _("入力内容を確認してください。")
                + " "
                + "; ".join(
                    f"{form.fields[k].label if k in form.fields else ''}: {' '.join(map(str, v))}"
                    for k, v in form.errors.items()
                )
            )
        services.propose(
            connection,
            "advance",
            acting_user=user,
            payload=form.payload(),
            note=form.cleaned_data["note"],
        )
        messages.success(
            request, _("承認を依頼しました。別の担当者が承認すると次の手順に進みます。")
        )
    elif action == "decide":
        decision = forms.DecisionForm(request.POST)
        if not decision.is_valid():
            return _("承認か却下を選んでください。")
        if decision.cleaned_data["decision"] == "approve":
            services.confirm(connection, acting_user=user, note=decision.cleaned_data["note"])
            messages.success(request, _("承認しました。"))
        else:
            services.reject(connection, acting_user=user, note=decision.cleaned_data["note"])
            messages.success(request, _("却下しました。"))
    elif action == "stop":
        stop = forms.StopForm(request.POST)
        if not stop.is_valid():
            return _("理由を入力してください。")
        verb = services.suspend if stop.cleaned_data["kind"] == "suspend" else services.revoke
        verb(connection, acting_user=user, reason=stop.cleaned_data["reason"])
        messages.success(request, _("通信を止めました。"))
    elif action == "resume":
        services.propose(
            connection, "resume", acting_user=user, note=request.POST.get("note", "")[:2000]
        )
        messages.success(request, _("停止の解除を申請しました。"))
    elif action == "renew":
        renew = forms.RenewForm(request.POST)
        if not renew.is_valid():
            return _("新しい有効期限を入力してください。")
        services.propose(
            connection,
            "renew",
            acting_user=user,
            payload={
                "valid_to": renew.cleaned_data["valid_to"],
                "approval_number": renew.cleaned_data["approval_number"],
            },
            note=renew.cleaned_data["note"],
        )
        messages.success(request, _("更新を申請しました。"))
    elif action == "change":
        change = forms.ChangeForm(request.POST)
        if not change.is_valid():
            return _("変更の理由を入力してください。")
        payload = change.terms(only_filled=True)
        if change.cleaned_data["purpose"]:
            payload["purpose"] = change.cleaned_data["purpose"]
        services.propose(
            connection,
            "change",
            acting_user=user,
            payload=payload,
            note=change.cleaned_data["note"],
        )
        messages.success(request, _("変更を申請しました。承認されるまで現在の条件が有効です。"))
    elif action == "evidence":
        evidence = forms.EvidenceForm(request.POST, request.FILES)
        if not evidence.is_valid():
            return _("証跡の名称とファイルを指定してください。")
        try:
            upload = validate_upload(evidence.cleaned_data["file"], kinds={"pdf", "image"})
        except ValidationError as exc:
            return " ".join(exc.messages)
        services.attach_evidence(
            connection,
            acting_user=user,
            title=evidence.cleaned_data["title"],
            content=upload.content,
            mime=upload.mime,
            checklist_item=evidence.cleaned_data["checklist_item"],
        )
        messages.success(request, _("証跡を添付しました。"))
    elif action == "checklist":
        data = {
            key: {"done": request.POST.get(f"check_{key}") == "on"} for key, _label in CHECKLIST
        }
        services.update_checklist(connection, data, acting_user=user)
        messages.success(request, _("チェックリストを更新しました。"))
    else:
        return _("不明な操作です。")
    return None


@staff(Capability.MANAGE_CONNECTIONS)
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, name: str) -> HttpResponse:
    connection = get_object_or_404(Connection.objects.select_related("owner"), name=name)
    error = None
    if request.method == "POST":
        try:
            error = _handle(request, connection)
        except DomainError as exc:
            error = exc.message
        if error is None:
            return redirect("connections:detail", name=connection.name)
        connection.refresh_from_db()
    stage = rules.Stage(connection.stage)
    pending = connection.requests.filter(outcome="").select_related("maker").first()
    timeline = [
        {
            "entry": e,
            "label": _event_label(e.event),
            "from": _stage_label(e.from_stage),
            "to": _stage_label(e.to_stage),
        }
        for e in connection.timeline.select_related("maker", "checker").order_by("-at", "-pk")
    ]
    checklist = [
        (key, _(label), connection.checklist.get(key, {}).get("done", False))
        for key, label in CHECKLIST
    ]
    return render(
        request,
        "connections/detail.html",
        {
            "connection": connection,
            "stage": stage,
            "error": error,
            "pending": pending,
            "pending_label": _action_label(pending.action) if pending else "",
            "may_decide": pending is not None and pending.maker_id != request.user.pk,
            "next_stage": stage_name(rules.FORWARD[stage]) if stage in rules.FORWARD else "",
            "propose_form": forms.ProposeForm(stage=stage)
            if stage in rules.FORWARD and not pending
            else None,
            "can_stop": stage not in rules.ENDED and stage is not rules.Stage.SUSPENDED,
            "can_resume": stage is rules.Stage.SUSPENDED and not pending,
            "can_renew": (stage in rules.TRAFFIC_STAGES or stage is rules.Stage.EXPIRED)
            and not pending,
            "can_change": stage not in rules.ENDED and not pending,
            "stop_form": forms.StopForm(),
            "renew_form": forms.RenewForm(),
            "change_form": forms.ChangeForm(),
            "evidence_form": forms.EvidenceForm(),
            "timeline": timeline,
            "evidence": connection.evidence.select_related("uploaded_by"),
            "checklist": checklist,
            "health": health().get(connection.name),
            "calls": CallRecord.objects.filter(connection_name=connection.name)[:20],
        },
    )


@staff(Capability.MANAGE_CONNECTIONS)
@require_GET
def evidence_file(request: HttpRequest, name: str, evidence_id: int) -> HttpResponse:
    evidence = Evidence.objects.filter(pk=evidence_id, connection__name=name).first()
    if evidence is None or not evidence.file:
        raise Http404
    with evidence.file.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=evidence.mime)
    response["Content-Disposition"] = f'attachment; filename="evidence-{evidence.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@staff(Capability.MANAGE_CONNECTIONS)
@require_GET
def pending(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "request": r,
            "label": _action_label(r.action),
            "from": _stage_label(r.from_stage),
            "mine": r.maker_id == request.user.pk,
        }
        for r in PendingRequest.objects.filter(outcome="")
        .select_related("connection", "maker")
        .order_by("created_at")
    ]
    return render(request, "connections/pending.html", {"rows": rows})


@staff(Capability.MANAGE_CONNECTIONS)
@require_GET
def expiring(request: HttpRequest) -> HttpResponse:
    rows = services.expiring(within_days=90)
    return render(request, "connections/expiring.html", {"rows": rows})
