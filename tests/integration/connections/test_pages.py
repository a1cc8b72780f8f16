"""The 接続許可 pages: the register with approval numbers and health, the lifecycle as forms
(maker proposes, checker confirms; the maker cannot confirm), evidence upload, pending and
expiring lists, and the back-office menu entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from urikake.connections import demo
from urikake.connections.models import Connection, Evidence
from urikake.domain import connections as rules
from urikake.integrations import connection_names

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _staff(django_user_model: Any, email: str, role: str = "compliance") -> tuple[Any, Client]:
    user = django_user_model.objects.create_user(
        email=email, password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return user, client


def test_two_officers_walk_the_steps_through_the_forms(django_user_model: Any) -> None:
    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    _checker, as_checker = _staff(django_user_model, "checker@example.jp")
    row = demo.register_demo(connection_names.BANK_API, acting_user=maker, owner=maker)
    url = f"/backoffice/connections/{row.name}/"
    today = timezone.localdate()
    while rules.Stage(row.stage) is not rules.Stage.OPERATING:
        data: dict[str, Any] = {"action": "propose", "note": "完了"}
        if row.stage == "connectivity_test":
            data |= {f"test_{item}": "pass" for item in rules.TEST_ITEMS}
        if row.stage == "acceptance":
            data |= {
                "approval_number": "BK-2026-0042",
                "valid_from": today.isoformat(),
                "valid_to": (today + timedelta(days=365)).isoformat(),
                "operating_agreement": "24時間運用",
            }
        assert as_maker.post(url, data).status_code == 302
        before = row.stage
        # the maker cannot confirm their own request
        as_maker.post(url, {"action": "decide", "decision": "approve"})
        row.refresh_from_db()
        assert row.stage == before
        assert as_checker.post(url, {"action": "decide", "decision": "approve"}).status_code == 302
        row.refresh_from_db()
        assert row.stage != before
    page = as_checker.get("/backoffice/connections/")
    html = page.content.decode()
    assert "BK-2026-0042" in html
    assert f"{today:%Y-%m-%d} 〜 {today + timedelta(days=365):%Y-%m-%d}" in html
    assert "稼働中" in html
    assert "no-store" in page["Cache-Control"]


def test_a_failed_connectivity_test_cannot_be_proposed(django_user_model: Any) -> None:
    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    checker, _ = _staff(django_user_model, "checker@example.jp")
    row = demo.register_demo(connection_names.TSA, acting_user=maker)
    demo.walk_to_operating(row, maker=maker, checker=checker, until=rules.Stage.CONNECTIVITY_TEST)
    data = {"action": "propose", "note": "x"} | {f"test_{i}": "pass" for i in rules.TEST_ITEMS}
    data["test_timeout"] = "fail"
    response = as_maker.post(f"/backoffice/connections/{row.name}/", data)
    assert response.status_code == 200
    assert "疎通テストの不合格" in response.content.decode()
    assert not row.requests.filter(outcome="").exists()


def test_evidence_is_validated_stored_and_downloadable(django_user_model: Any) -> None:
    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    row = demo.register_demo(connection_names.SMTP, acting_user=maker)
    url = f"/backoffice/connections/{row.name}/"
    bad = SimpleUploadedFile("x.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = as_maker.post(url, {"action": "evidence", "title": "申請書", "file": bad})
    assert response.status_code == 200
    assert not Evidence.objects.exists()
    good = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    as_maker.post(
        url, {"action": "evidence", "title": "申請書", "checklist_item": "company", "file": good}
    )
    evidence = Evidence.objects.get()
    download = as_maker.get(f"{url}evidence/{evidence.pk}/")
    assert download.content == PDF
    assert "申請書" in as_maker.get(url).content.decode()


def test_pending_expiring_and_menu(django_user_model: Any) -> None:
    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    checker, as_checker = _staff(django_user_model, "checker@example.jp")
    today = timezone.localdate()
    row = demo.register_demo(connection_names.BANK_API, acting_user=maker, owner=maker)
    demo.walk_to_operating(
        row, maker=maker, checker=checker, valid_from=today, valid_to=today + timedelta(days=20)
    )
    other = demo.register_demo(connection_names.TSA, acting_user=maker)
    as_maker.post(f"/backoffice/connections/{other.name}/", {"action": "propose", "note": "相談済"})
    pending = as_checker.get("/backoffice/connections/pending/").content.decode()
    assert other.title in pending
    expiring = as_checker.get("/backoffice/connections/expiring/").content.decode()
    assert row.title in expiring
    assert "接続許可の有効期限" in expiring
    home = as_checker.get("/backoffice/").content.decode()
    assert 'href="/backoffice/connections/"' in home
    _, as_reviewer = _staff(django_user_model, "reviewer@example.jp", role="reviewer")
    assert as_reviewer.get("/backoffice/connections/").status_code == 403


def test_suspension_and_change_request_from_the_page(django_user_model: Any) -> None:
    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    checker, as_checker = _staff(django_user_model, "checker@example.jp")
    row = demo.walk_to_operating(
        demo.register_demo(connection_names.BANK_API, acting_user=maker),
        maker=maker,
        checker=checker,
    )
    url = f"/backoffice/connections/{row.name}/"
    as_maker.post(url, {"action": "change", "hosts": "api.newbank.example", "note": "移転"})
    row.refresh_from_db()
    assert "api.newbank.example" not in row.terms["hosts"]
    as_checker.post(url, {"action": "decide", "decision": "approve"})
    row.refresh_from_db()
    assert row.terms["hosts"] == ["api.newbank.example"]
    as_maker.post(url, {"action": "stop", "kind": "suspend", "reason": "障害"})
    assert Connection.objects.get(pk=row.pk).stage == "suspended"


def test_register_shows_health_and_flags_clock_skew(django_user_model: Any) -> None:
    from urikake.connections.models import CallRecord

    maker, as_maker = _staff(django_user_model, "maker@example.jp")
    row = demo.register_demo(connection_names.BANK_API, acting_user=maker)
    now = timezone.now()
    for outcome, latency, skew in (("ok", 40, 1), ("ok", 60, 600), ("unreachable", 0, None)):
        CallRecord.objects.create(
            connection_name=row.name,
            at=now,
            operation="GET /v1/accounts",
            outcome=outcome,
            latency_ms=latency,
            skew_seconds=skew,
        )
    html = as_maker.get("/backoffice/connections/").content.decode()
    assert "33%（1/3）" in html  # error rate
    assert "50 ms" in html  # average latency of the successful calls
    assert "600 秒（要確認: 時刻同期）" in html
