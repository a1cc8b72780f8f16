"""The onboarding wizard end to end, and each step's rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from urikake.applicants.models import (
    Membership,
    NotificationSettings,
    Organization,
    PayoutAccount,
)
from urikake.audit.models import AuditRecord

from .conftest import PASSWORD, add_member, link_in, make_org, make_user, signup_form

pytestmark = pytest.mark.django_db

CORPORATION = {
    "kind": "corporation",
    "name": "株式会社ウリカケ",
    "name_kana": "カブシキガイシャ ウリカケ",
    "corporate_number": "1-1803-0101-8771",
    "address": "東京都千代田区丸の内1-1-1",
    "representative_name": "売掛 太郎",
    "industry": "information",
    "established_year": "2015",
    "established_month": "4",
}


def test_signup_to_completed_onboarding(client, mailoutbox, django_capture_on_commit_callbacks):
    # 1. e-mail first, 2. password
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("applicants:signup"), signup_form("founder@example.com"))
    path = link_in(mailoutbox[0].body, "/signup/verify/")
    client.post(path, {"password1": PASSWORD, "password2": PASSWORD})

    # Without an organisation, applicant pages lead to the wizard's first step.
    assert client.get(reverse("applicants:home")).url == reverse("applicants:onboarding")
    step = client.get(reverse("applicants:onboarding"))
    assert step.url == reverse("applicants:onboarding_profile")
    kind_page = client.get(step.url)
    assert "事業の形態" in kind_page.content.decode()

    # (a) profile
    form_page = client.get(reverse("applicants:onboarding_profile"), {"kind": "corporation"})
    html = form_page.content.decode()
    assert 'aria-current="step"' in html
    assert '<label for="id_corporate_number"' in html
    response = client.post(reverse("applicants:onboarding_profile"), CORPORATION)
    assert response.status_code == 302, response.content.decode()
    org = Organization.objects.get()
    assert org.corporate_number == "1180301018771"  # normalised by the domain core
    assert org.name_kana == "カブシキガイシャ ウリカケ"
    assert (org.established_year, org.established_month) == (2015, 4)
    membership = Membership.objects.get(organization=org)
    assert membership.role == Membership.Role.OWNER
    assert client.get(response.url).url == reverse("applicants:onboarding_phone")

    # (b) phone
    response = client.post(reverse("applicants:onboarding_phone"), {"phone": "090-1234-5678"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.contact_phone == "+819012345678"

    # (c) payout account, found by searching the bank's name, then the branch's
    payout = reverse("applicants:onboarding_payout")
    banks = client.get(payout, {"bank_q": "みずほ銀行"}).content.decode()
    assert f"{payout}?bank=0001" in banks
    branches = client.get(payout, {"bank": "0001", "branch_q": "東京営業部"}).content.decode()
    assert "?bank=0001&amp;branch=001" in branches
    details = client.get(payout, {"bank": "0001", "branch": "001"})
    assert '<label for="id_account_number"' in details.content.decode()
    account = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_type": "1",
        "account_number": "1234567",
        "holder_name": "カブシキガイシャウリカケ",
    }
    confirm = client.post(payout, account)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "ｶ)ｳﾘｶｹ" in html
    assert "一致していない可能性" not in html
    assert not PayoutAccount.objects.exists()  # nothing saved before confirmation
    response = client.post(payout, {**account, "confirmed": "True"})
    assert response.status_code == 302
    saved = PayoutAccount.objects.get()
    assert (saved.bank_name, saved.branch_name, saved.holder_kana) == (
        "みずほ",
        "東京営業部",
        "ｶ)ｳﾘｶｹ",
    )
    assert (saved.bank_kana, saved.branch_kana) == ("ミズホ", "トウキヨウ")
    assert saved.account_number == "1234567"
    assert saved.account_number_last4 == "4567"

    # (d) notifications
    response = client.post(
        reverse("applicants:onboarding_notifications"),
        {"email_screening": "on", "email_payment": "on", "sms_important": "on"},
    )
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(organization=org)
    assert (prefs.email_screening, prefs.email_contract, prefs.sms_important) == (
        True,
        False,
        True,
    )

    # (e) consent was given at sign-up, so the wizard is complete and leads to my page.
    assert client.get(response.url).url == reverse("applicants:home")
    home = client.get(reverse("applicants:home")).content.decode()
    assert "株式会社ウリカケ" in home
    assert home.count("status-done") == 5  # profile, phone, payout, notifications, consent
    assert "本人確認（eKYC）" in home

    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert actions == [
        "signup.started",
        "account.created",
        "organization.created",
        "organization.phone_updated",
        "payout_account.added",
        "notification_settings.changed",
    ]


def test_invalid_corporate_number_is_explained(logged_in):
    client = logged_in(make_user("a@example.com"))
    bad = {**CORPORATION, "corporate_number": "1180301018772"}
    response = client.post(reverse("applicants:onboarding_profile"), bad)
    assert response.status_code == 200
    html = response.content.decode()
    assert "法人番号のチェックデジットが正しくありません" in html
    assert "法人番号公表サイト" in html
    assert not Organization.objects.exists()

    short = client.post(
        reverse("applicants:onboarding_profile"), {**CORPORATION, "corporate_number": "12345"}
    )
    assert "入力は5桁です" in short.content.decode()


def test_furigana_must_be_katakana(logged_in):
    client = logged_in(make_user("a@example.com"))
    response = client.post(
        reverse("applicants:onboarding_profile"), {**CORPORATION, "name_kana": "株式会社ウリカケ"}
    )
    assert "「株」は使えません" in response.content.decode()
    # Hiragana and half-width katakana are accepted and stored as full-width katakana.
    client.post(
        reverse("applicants:onboarding_profile"),
        {**CORPORATION, "name_kana": "かぶしきがいしゃｳﾘｶｹ"},
    )
    assert Organization.objects.get().name_kana == "カブシキガイシャウリカケ"


def test_sole_proprietor_without_trade_name_is_known_by_their_name(logged_in):
    client = logged_in(make_user("solo@example.com"))
    response = client.post(
        reverse("applicants:onboarding_profile"),
        {
            "kind": "sole_proprietor",
            "trade_name": "",
            "representative_name": "山田 花子",
            "name_kana": "ヤマダ ハナコ",
            "address": "大阪府大阪市北区1-1",
            "industry": "retail",
            "established_year": "2020",
        },
    )
    assert response.status_code == 302, response.content.decode()
    org = Organization.objects.get()
    assert (org.kind, org.name, org.corporate_number) == ("sole_proprietor", "山田 花子", "")
    assert org.established_month is None


def test_profile_edit_keeps_data_and_is_audited_without_personal_data(logged_in):
    owner, org = make_org()
    client = logged_in(owner)
    page = client.get(reverse("applicants:onboarding_profile")).content.decode()
    assert 'value="株式会社ウリカケ"' in page  # saved answers come back
    response = client.post(
        reverse("applicants:onboarding_profile"), {**CORPORATION, "address": "東京都港区1-1"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.address == "東京都港区1-1"
    record = AuditRecord.objects.filter(action="organization.profile_updated").get()
    assert record.payload == {"changed_fields": ["name_kana", "address"]}


def test_established_in_the_future_is_refused(logged_in):
    client = logged_in(make_user("a@example.com"))
    from django.utils import timezone

    year = timezone.localdate().year
    response = client.post(
        reverse("applicants:onboarding_profile"),
        {**CORPORATION, "established_year": str(year + 1)},
    )
    assert response.status_code == 200
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("03-1234-5678", "携帯電話番号（070・080・090で始まる番号）"),
        ("050-1234-5678", "携帯電話番号（070・080・090で始まる番号）"),
        ("090-1234", "日本の携帯電話番号を正しく入力してください"),
        ("abc", "日本の携帯電話番号を正しく入力してください"),
        ("+1 415 555 2671", "日本の携帯電話番号を正しく入力してください"),
    ],
)
def test_phone_must_be_a_japanese_mobile_number(logged_in, raw, message):
    owner, org = make_org()
    response = logged_in(owner).post(reverse("applicants:onboarding_phone"), {"phone": raw})
    assert response.status_code == 200
    assert message in response.content.decode()
    org.refresh_from_db()
    assert org.contact_phone == ""


def test_phone_accepts_full_width_and_international_forms(logged_in):
    owner, org = make_org()
    client = logged_in(owner)
    client.post(reverse("applicants:onboarding_phone"), {"phone": "０８０（１２３４）５６７８"})
    org.refresh_from_db()
    assert org.contact_phone == "+818012345678"
    client.post(reverse("applicants:onboarding_phone"), {"phone": "+81 70-1234-5678"})
    org.refresh_from_db()
    assert org.contact_phone == "+817012345678"
    assert "070-1234-5678" in client.get(reverse("applicants:onboarding_phone")).content.decode()
    assert AuditRecord.objects.filter(action="organization.phone_updated").count() == 2
    assert "7012345678" not in str(list(AuditRecord.objects.values_list("payload", flat=True)))


def test_sms_needs_a_phone(logged_in):
    owner, org = make_org()
    client = logged_in(owner)
    page = client.get(reverse("applicants:onboarding_notifications")).content.decode()
    assert "先に携帯電話番号を登録してください" in page
    # The checkbox is disabled without a phone: a forged "on" is ignored, not stored.
    client.post(reverse("applicants:onboarding_notifications"), {"sms_important": "on"})
    assert NotificationSettings.objects.get(organization=org).sms_important is False


def test_members_see_but_cannot_change_the_organisation(logged_in):
    _owner, org = make_org()
    member = add_member(org, "member@example.com")
    client = logged_in(member)
    page = client.get(reverse("applicants:onboarding_profile"))
    assert page.status_code == 200
    assert "オーナーのみ" in page.content.decode()
    assert client.post(reverse("applicants:onboarding_profile"), CORPORATION).status_code == 403
    assert (
        client.post(reverse("applicants:onboarding_phone"), {"phone": "090-1234-5678"}).status_code
        == 403
    )
    assert client.post(reverse("applicants:onboarding_notifications"), {}).status_code == 403
    org.refresh_from_db()
    assert org.contact_phone == ""


def test_form_of_business_can_be_chosen_again(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    page = client.get(reverse("applicants:onboarding_profile"), {"kind": ""}).content.decode()
    assert 'name="kind"' in page
    assert 'value="corporation" required id="id_kind_0" checked' in page
