"""The public face: products, fees, limits and speed from the live plans; the operator from
settings; FAQ; the contact form (mailed, validated, rate-limited, audited); the real terms."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.fixtures.clock import travel_to
from urikake.applicants import terms
from urikake.audit.models import AuditRecord
from urikake.domain.products import all_specs
from urikake.mail.models import OutboundMail
from urikake.plans import services as plans
from urikake.plans.models import Plan
from urikake.system.demo_plans import load_demo_plans

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        email="admin@staff.example", password="x" * 20, is_staff=True, staff_role="admin"
    )


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_top_page_shows_every_product_with_the_terms_of_the_plans_in_force(
    client: Client, admin: Any
) -> None:
    load_demo_plans(admin)
    page = _text(client.get("/"))
    for spec in all_specs():
        assert spec.label_ja in page
    # クイック 3.8–12% and プレミアム 1.8–10%, each with its limits and speed.
    assert 'data-plan="quick"' in page
    assert "3.8%〜12.0%" in page
    assert "¥10,000〜¥1,000,000" in page
    assert "1.8%〜10.0%" in page
    assert "¥100,000〜¥50,000,000" in page
    assert "最短1営業日" in page
    assert "株式会社ウリカケ" in page  # the operator, from settings
    assert "草案" not in page


def test_the_top_page_changes_when_a_new_plan_version_takes_effect(
    client: Client, admin: Any
) -> None:
    load_demo_plans(admin)
    quick = Plan.objects.get(code="quick")
    current = plans.current_version(quick)
    assert current is not None
    from_day = timezone.localdate() + timedelta(days=7)
    terms_now = plans.terms_of(current)
    plans.revise_plan(
        quick,
        acting_user=admin,
        terms=replace(terms_now, max_amount=2_000_000, speed="最短即日（新）", version_id=None),
        effective_from=from_day,
    )
    before = _text(client.get("/"))
    assert "¥10,000〜¥1,000,000" in before
    assert "最短即日（新）" not in before
    with travel_to(from_day):
        after = _text(client.get("/"))
    assert "¥10,000〜¥2,000,000" in after
    assert "最短即日（新）" in after


def test_a_stopped_product_says_so_instead_of_inventing_terms(client: Client) -> None:
    page = _text(client.get("/"))  # no plan at all
    assert "現在、この商品のお申込みは受け付けていません。" in page


def test_company_page_names_the_operator_from_settings(client: Client, settings: Any) -> None:
    settings.CONTRACT_ASSIGNEE_CORPORATE_NUMBER = "7999901000001"
    settings.OPERATOR_REGISTRATION = "テスト登録 第1号"
    page = _text(client.get("/company/"))
    assert "7999901000001" in page
    assert "テスト登録 第1号" in page
    assert "株式会社ウリカケ" in page


def test_faq_answers_with_the_live_fees(client: Client, admin: Any) -> None:
    load_demo_plans(admin)
    page = _text(client.get("/faq/"))
    assert "3.8%〜9.8%" in page  # 個人事業主プラン
    assert "（貸付）ではない" in page
    assert "融資" not in page  # factoring is never called a loan


def test_the_english_pages_are_english(client: Client, admin: Any) -> None:
    load_demo_plans(admin)
    client.cookies["django_language"] = "en"
    for url in ("/", "/company/", "/faq/", "/contact/"):
        page = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
        assert 'lang="en"' in page, url
        assert "ご利用の流れ" not in page, url
        assert "よくあるご質問" not in page, url
    top = _text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Two-party factoring" in top
    assert "Corporation" in top


def test_the_contact_form_mails_the_operator_and_is_audited(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.OPERATOR_CONTACT_EMAIL = "support@operator.example"
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/contact/",
            {
                "name": "山田 花子",
                "company": "山田商店",
                "email": "Hanako@Example.JP",
                "topic": "service",
                "message": "3社間ファクタリングの手数料について教えてください。",
            },
        )
    assert response.status_code == 302
    assert response["Location"] == "/contact/sent/"
    assert [m.to for m in mail.outbox] == [["support@operator.example"]]
    assert "サービス内容・手数料について" in mail.outbox[0].subject
    assert "3社間ファクタリングの手数料" in mail.outbox[0].body
    assert "hanako@example.jp" in mail.outbox[0].body.lower()
    record = AuditRecord.objects.get(action="web.contact_received")
    assert record.payload["topic"] == "service"
    assert record.object_id == str(OutboundMail.objects.get().pk)


def test_bad_contact_input_is_refused_in_japanese_and_nothing_is_sent(client: Client) -> None:
    cache.clear()
    response = client.post(
        "/contact/", {"name": "", "email": "not-an-address", "topic": "x", "message": "短い"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "必須" in page
    assert mail.outbox == []
    assert not OutboundMail.objects.exists()
    assert not AuditRecord.objects.filter(action="web.contact_received").exists()
    assert "no-store" in response["Cache-Control"]


def test_the_contact_form_is_rate_limited_per_address_and_the_refusal_audited(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    cache.clear()
    data = {
        "name": "連投 太郎",
        "email": "spam@example.jp",
        "topic": "other",
        "message": "何度も送るお問い合わせの本文です。",
    }
    with django_capture_on_commit_callbacks(execute=True):
        codes = [client.post("/contact/", data).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert len(mail.outbox) == 3
    assert AuditRecord.objects.filter(action="web.contact_refused").count() == 1
    assert "しばらくしてからお試しください" in client.post("/contact/", data).content.decode()


def test_the_terms_linked_from_the_top_page_are_the_version_applicants_accept(
    client: Client,
) -> None:
    doc = terms.current_version(terms.Document.TERMS)
    top = _text(client.get("/"))
    assert doc.version in top
    page = _text(client.get("/terms/"))
    assert doc.version in page
    assert "草案" not in page
    assert "融資" not in page
    assert "第1条" in page
    assert "買取" in page
    privacy = _text(client.get("/privacy/"))
    assert "草案" not in privacy
