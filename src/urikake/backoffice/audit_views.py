"""Back office: the audit trail, browsable, filterable and exportable — read-only.

Filters: action (prefix, e.g. ``application.`` or ``application.offered``), actor
(``user:7``, ``system:screening``), object type and id, and a date range in Japan time.
The CSV export writes every cell through the formula-injection guard: an organisation
named ``=HYPERLINK(...)`` in a payload must reach Excel as text. Granted by
``Capability.VIEW_AUDIT``.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.audit.models import AuditRecord
from urikake.domain import safe_csv

PAGE_SIZE = 50
CSV_LIMIT = 100_000


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("操作"), required=False, max_length=100)
    actor = forms.CharField(label=_("実行者"), required=False, max_length=200)
    object_type = forms.CharField(label=_("対象種別"), required=False, max_length=100)
    object_id = forms.CharField(label=_("対象ID"), required=False, max_length=100)
    date_from = forms.DateField(label=_("開始日"), required=False)
    date_to = forms.DateField(label=_("終了日"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("開始日は終了日以前の日付にしてください。"))
        return data


def _start_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_records(data: dict[str, Any]) -> QuerySet[AuditRecord]:
    """Records matching a cleaned :class:`AuditFilterForm` (newest first)."""
    rows = AuditRecord.objects.order_by("-seq")
    if data.get("action"):
        rows = rows.filter(action__startswith=data["action"].strip())
    if data.get("actor"):
        rows = rows.filter(actor=data["actor"].strip())
    if data.get("object_type"):
        rows = rows.filter(object_type=data["object_type"].strip())
    if data.get("object_id"):
        rows = rows.filter(object_id=data["object_id"].strip())
    if data.get("date_from"):
        rows = rows.filter(created_at__gte=_start_of(data["date_from"]))
    if data.get("date_to"):
        rows = rows.filter(created_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
    return rows


def object_type_label(object_type: str) -> str:
    """The model's Japanese name for ``app_label.model`` (the code itself if unknown)."""
    try:
        return gettext(str(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        return object_type


def _form(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})


@staff(Capability.VIEW_AUDIT)
@require_safe
def audit_list(request: HttpRequest) -> HttpResponse:
    form, data = _form(request)
    rows = filtered_records(data) if not form.errors else AuditRecord.objects.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "backoffice/audit/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(r, object_type_label(r.object_type)) for r in page],
            "query": query.urlencode(),
        },
    )


@staff(Capability.VIEW_AUDIT)
@require_safe
def audit_detail(request: HttpRequest, seq: int) -> HttpResponse:
    record = get_object_or_404(AuditRecord, seq=seq)
    return render(
        request,
        "backoffice/audit/detail.html",
        {
            "record": record,
            "object_label": object_type_label(record.object_type),
            "payload": json.dumps(record.payload, ensure_ascii=False, indent=2, sort_keys=True),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "連番",
    "日時（日本時間）",
    "実行者",
    "操作",
    "対象種別",
    "対象ID",
    "内容",
    "ハッシュ",
]


def csv_rows(records: QuerySet[AuditRecord]) -> Any:
    writer = safe_csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    for r in records.iterator(chunk_size=2000):
        cells = [
            r.seq,
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            r.actor,
            r.action,
            r.object_type,
            r.object_id,
            json.dumps(r.payload, ensure_ascii=False, sort_keys=True),
            r.hash,
        ]
        yield writer.writerow(cells)


@staff(Capability.VIEW_AUDIT)
@require_safe
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, data = _form(request)
    if form.errors:
        return HttpResponse(
            "; ".join(str(e) for errs in form.errors.values() for e in errs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    records = filtered_records(data)[:CSV_LIMIT]
    response = HttpResponse("".join(csv_rows(records)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit_{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
