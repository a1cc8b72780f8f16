"""Applicant search and the 360° view (issue 10 item 4): every search key finds the right
organisation and only it; the view shows each part with Japanese labels, the payout account
masked, and the invoice file opens for staff with safe headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from tests.fixtures.deals import make_deal
from tests.integration.backoffice.helpers import client_for, staff_user
from urikake.accounts.models import User
from urikake.applicants.models import Membership, Organization
from urikake.receivables import services as receivables
from urikake.receivables.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs() -> dict[str, Organization]:
    deal = make_deal(amount=1_100_000)
    deal.organization.corporate_number = "1234567890123"
    deal.organization.contact_phone = "+819087654321"
    deal.organization.save()
    other = Organization.objects.create(
        kind="sole_proprietor", name="山田商店", name_kana="ヤマダシヨウテン"
    )
    member = User.objects.create_user(email="hanako@yamada.example")
    Membership.objects.create(user=member, organization=other, role="member")
    return {"deal": deal.organization, "other": other}


def _names(client: Any, query: str) -> list[str]:
    page = client.get("/backoffice/applicants/", {"q": query}).context["page"]
    return sorted(org.name for org in page)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("売主", ["株式会社売主"]),
        ("やまだ", ["山田商店"]),  # hiragana finds the katakana reading
        ("ﾔﾏﾀﾞ", ["山田商店"]),  # so does half-width kana
        ("1234567890123", ["株式会社売主"]),  # 法人番号
        ("HANAKO@yamada", ["山田商店"]),  # a member's e-mail, any case
        ("090-8765-4321", ["株式会社売主"]),  # the phone as people type it
        ("存在しない会社", []),
        ("", ["山田商店", "株式会社売主"]),
    ],
)
def test_search_finds_by_each_key(
    orgs: dict[str, Organization], query: str, expected: list[str]
) -> None:
    client = client_for(staff_user("treasury"))
    assert _names(client, query) == expected


def test_search_is_paginated(orgs: dict[str, Organization]) -> None:
    for n in range(30):
        Organization.objects.create(kind="corporation", name=f"検索テスト{n:02d}株式会社")
    client = client_for(staff_user("reviewer"))
    first = client.get("/backoffice/applicants/", {"q": "検索テスト"})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"]) == 25
    assert "page=2" in first.content.decode()
    second = client.get("/backoffice/applicants/", {"q": "検索テスト", "page": 2})
    assert len(second.context["page"]) == 5


def test_the_360_view_shows_every_part_in_japanese(orgs: dict[str, Organization]) -> None:
    org = orgs["deal"]
    client = client_for(staff_user("compliance"))
    html = client.get(f"/backoffice/applicants/{org.pk}/").content.decode()
    for label in (
        "基本情報",
        "メンバー",
        "本人確認（eKYC）",
        "振込先口座",
        "申込み",
        "買取債権",
        "書類",
        "監査証跡",
    ):
        assert label in html, label
    assert "1234567890123" in html
    assert "確認済み" in html  # the KYC status label, not "verified"
    assert "条件承諾" in html  # the application status label, not "accepted"
    assert "****4567" in html
    assert "1234567" not in html.replace("1234567890123", "")  # only the last four digits
    assert "申込み: 提示条件の承諾" in html  # its audit trail, labelled
    assert "application.accepted" not in html  # not the raw action code
    for raw in (">verified<", ">accepted<", ">owner<", ">corporation<"):
        assert raw not in html, raw


def test_other_organisations_data_is_not_in_the_view(orgs: dict[str, Organization]) -> None:
    client = client_for(staff_user("admin"))
    html = client.get(f"/backoffice/applicants/{orgs['other'].pk}/").content.decode()
    assert "山田商店" in html
    assert "hanako@yamada.example" in html
    assert "株式会社売主" not in html
    assert "申込み: 提示条件の承諾" not in html


def test_invoice_file_opens_for_staff_with_safe_headers(
    orgs: dict[str, Organization], settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    org = orgs["other"]
    owner = User.objects.create_user(email="owner@yamada.example")
    Membership.objects.create(user=owner, organization=org, role="owner")
    debtor = receivables.register_debtor(
        org, acting_user=owner, name="株式会社カイ", name_kana="カイ"
    )
    invoice = Invoice.objects.create(
        organization=org,
        debtor=debtor,
        invoice_number="F-1",
        issue_date="2026-11-01",
        due_date="2027-01-31",
        total_amount=110_000,
        source="pdf",
        fingerprint="x" * 64,
        created_by=owner,
    )
    invoice.evidence.save("scan.pdf", ContentFile(b"%PDF-1.4 evidence"), save=True)
    client = client_for(staff_user("reviewer"))
    html = client.get(f"/backoffice/applicants/{org.pk}/").content.decode()
    assert f"/backoffice/invoices/{invoice.pk}/file/" in html
    response = client.get(f"/backoffice/invoices/{invoice.pk}/file/")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.4 evidence"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    # structuring holds no applicant capability
    assert (
        client_for(staff_user("structuring"))
        .get(f"/backoffice/invoices/{invoice.pk}/file/")
        .status_code
        == 403
    )


def test_pages_speak_english_in_english_mode(orgs: dict[str, Organization]) -> None:
    from django.conf import settings

    client = client_for(staff_user("compliance"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Search by name" in client.get("/backoffice/applicants/").content.decode()
    html = client.get(f"/backoffice/applicants/{orgs['deal'].pk}/").content.decode()
    assert "Payout account" in html  # (and the shared words as the other apps translate them)
    assert "振込先口座" not in html
    assert "Audit trail" in client.get("/backoffice/audit/").content.decode()
