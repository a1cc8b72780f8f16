"""Phone verification (a 6-digit code by SMS; expiry, attempt limit, resend limit, audited) and
the notification centre (own entries only, newest first, paginated, mark read, English)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import verified_applicant
from urikake.accounts.models import User
from urikake.applicants.models import Membership
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.notifications import services
from urikake.notifications.models import Notification, PhoneVerification

pytestmark = pytest.mark.django_db

MOBILE_NATIONAL = "090-1234-5678"
MOBILE = "+819012345678"


def _code(sms_gateway: Any) -> str:
    message = sms_gateway.wait_for(MOBILE, contains="確認コード")
    found = re.search(r"確認コード: (\d{6})", message["body"])
    assert found, message["body"]
    return found.group(1)


def test_a_number_is_verified_with_the_code_sent_by_sms(
    sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    client = applicant_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/my/notifications/phone/", {"action": "send", "phone": MOBILE_NATIONAL}
        )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.contact_phone == MOBILE
    assert not services.phone_verified(org)
    code = _code(sms_gateway)
    verification = PhoneVerification.objects.get()
    assert code not in verification.code_hash

    wrong = "000000" if code != "000000" else "111111"
    page = client.post("/my/notifications/phone/", {"action": "confirm", "code": wrong})
    assert page.status_code == 200
    assert "確認コードが正しくありません（あと4回入力できます）" in page.content.decode()
    assert not services.phone_verified(org)
    assert (
        client.post("/my/notifications/phone/", {"action": "confirm", "code": code}).status_code
        == 302
    )
    assert services.phone_verified(org)
    actions = list(
        AuditRecord.objects.filter(object_type="phoneverification").values_list("action", flat=True)
    ) or list(
        AuditRecord.objects.filter(action__startswith="phone.").values_list("action", flat=True)
    )
    assert actions == ["phone.code_sent", "phone.code_rejected", "phone.verified"]
    # The page says so, and a changed number is unverified again.
    assert "確認済み" in client.get("/my/notifications/phone/").content.decode()
    org.contact_phone = "+819087654321"
    org.save()
    assert not services.phone_verified(org)


def test_codes_expire_attempts_are_limited_and_sends_are_throttled(sms_gateway: Any) -> None:
    user, org = verified_applicant()
    start = timezone.now()
    services.send_phone_code(org, MOBILE, acting_user=user, now=start)
    with pytest.raises(DomainError) as too_soon:
        services.send_phone_code(org, MOBILE, acting_user=user, now=start + timedelta(seconds=30))
    assert too_soon.value.code == "phone.code_too_soon"
    for _n in range(5):
        with pytest.raises(DomainError) as wrong:
            services.confirm_phone_code(org, "99999x", acting_user=user, now=start)
        assert wrong.value.code == "phone.code_wrong"
    assert PhoneVerification.objects.get().attempts == 5  # each wrong try stayed counted
    with pytest.raises(DomainError) as spent:
        services.confirm_phone_code(org, "123456", acting_user=user, now=start)
    assert spent.value.code == "phone.code_attempts"

    services.send_phone_code(org, MOBILE, acting_user=user, now=start + timedelta(minutes=2))
    with pytest.raises(DomainError) as expired:
        services.confirm_phone_code(
            org, "123456", acting_user=user, now=start + timedelta(minutes=13)
        )
    assert expired.value.code == "phone.code_expired"
    for minutes in (4, 6, 8):
        services.send_phone_code(
            org, MOBILE, acting_user=user, now=start + timedelta(minutes=minutes)
        )
    with pytest.raises(DomainError) as limit:
        services.send_phone_code(org, MOBILE, acting_user=user, now=start + timedelta(minutes=10))
    assert limit.value.code == "phone.code_limit"


def test_only_owners_verify(sms_gateway: Any) -> None:
    _owner, org = verified_applicant()
    member = User.objects.create_user(email="member@example.jp", password="x" * 20)
    Membership.objects.create(user=member, organization=org, role="member")
    with pytest.raises(DomainError):
        services.send_phone_code(org, MOBILE, acting_user=member)
    assert not PhoneVerification.objects.exists()


def _entry(user: User, n: int, **extra: Any) -> Notification:
    return Notification.objects.create(
        event="application_received",
        subject=f"application:{n}",
        recipient=user,
        context={"application": n, "amount_yen": 1000 * n},
        url=f"/my/applications/{n}/",
        **extra,
    )


def test_the_centre_lists_own_entries_newest_first_and_marks_them_read() -> None:
    user, _org = verified_applicant()
    other, _ = verified_applicant()
    for n in range(1, 26):
        _entry(user, n)
    foreign = _entry(other, 99)
    client = applicant_client(user)
    page = client.get("/my/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert html.index("申込み #25") < html.index("申込み #24")  # newest first
    assert "申込み #5）" not in html  # page 2
    assert "申込み #5）" in client.get("/my/notifications/?page=2").content.decode()
    assert "申込み #99" not in html
    assert 'class="badge"' in html
    assert ">25<" in html

    newest = Notification.objects.get(recipient=user, subject="application:25")
    opened = client.post(f"/my/notifications/{newest.pk}/open/")
    assert opened.status_code == 302
    assert opened["Location"] == "/my/applications/25/"
    newest.refresh_from_db()
    assert newest.read_at is not None
    # Another person's notification is a 404 and stays unread.
    assert client.post(f"/my/notifications/{foreign.pk}/open/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None
    assert client.get(f"/my/notifications/{newest.pk}/open/").status_code == 405

    assert client.post("/my/notifications/read-all/").status_code == 302
    assert services.unread_count(user) == 0
    assert services.unread_count(other) == 1
    assert AuditRecord.objects.filter(action="notification.all_read").count() == 1


def test_the_centre_speaks_english_in_english_mode() -> None:
    user, _org = verified_applicant()
    _entry(user, 7)
    client = applicant_client(user)
    client.cookies["django_language"] = "en"
    html = client.get("/my/notifications/", headers={"accept-language": "en"}).content.decode()
    assert "Application received (application #7)" in html
    assert "¥7,000" in html
    assert "受け付けました" not in html


def test_staff_see_their_own_notifications_in_the_back_office(django_user_model: Any) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = django_user_model.objects.create_user(
        email="rev@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    TOTP.activate(staff, generate_totp_secret())
    Notification.objects.create(
        event="referral_waiting",
        subject="application:3",
        recipient=staff,
        context={"application": 3, "amount_yen": 500_000, "organization_name": "株式会社テスト"},
        url="/backoffice/screening/3/",
    )
    client = Client()
    client.force_login(staff)
    html = client.get("/backoffice/notifications/").content.decode()
    assert "審査待ちの申込みがあります（申込み #3）" in html
    assert "株式会社テスト" in html
