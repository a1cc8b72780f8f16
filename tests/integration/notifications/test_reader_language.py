"""Mail and SMS reach each person in the language they read the site in (issue 10): the
language switch remembers a logged-in user's choice, sign-up records the language it was
done in, and notifications, allauth's mails and SMS codes are written in it — whatever the
language of the request that caused them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone, translation

from tests.fixtures.deals import make_deal, payment_history, verified_applicant
from urikake.accounts.models import User
from urikake.applicants import services as applicant_services
from urikake.applicants.models import SignupToken
from urikake.audit.models import AuditRecord
from urikake.notifications import services
from urikake.notifications.models import PhoneVerification

from .helpers import MOBILE, choose

pytestmark = pytest.mark.django_db


def _reads_in(user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language


def _phone_verified_by(org: Any, user: User) -> None:
    type(org).objects.filter(pk=org.pk).update(contact_phone=MOBILE)
    org.contact_phone = MOBILE
    now = timezone.now()
    PhoneVerification.objects.create(
        organization=org,
        phone=MOBILE,
        code_hash="x" * 64,
        requested_by=user,
        created_at=now,
        expires_at=now,
        verified_at=now,
    )


def test_the_language_switch_remembers_a_logged_in_users_choice() -> None:
    user = User.objects.create_user(email="switch@example.jp", password="x" * 20)
    client = Client()
    client.force_login(user)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/my/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    user.refresh_from_db()
    assert user.preferred_language == "en"
    record = AuditRecord.objects.get(action="user.language_changed")
    assert record.payload == {"from": "ja", "to": "en"}
    client.post("/i18n/setlang/", {"language": "en", "next": "/my/"})  # no change, no record
    assert AuditRecord.objects.filter(action="user.language_changed").count() == 1
    client.post("/i18n/setlang/", {"language": "xx", "next": "/my/"})  # not a site language
    user.refresh_from_db()
    assert user.preferred_language == "en"
    # anonymous visitors only get the cookie
    assert Client().post("/i18n/setlang/", {"language": "en"}).status_code == 302


def test_sign_up_in_english_makes_an_english_reader(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    versions = applicant_services.terms.current_versions()
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        applicant_services.start_signup(
            "new.reader@example.jp",
            ip=None,
            terms_version=versions["terms"],
            privacy_version=versions["privacy"],
        )
    (mail,) = mailoutbox
    assert mail.subject == "[Urikake] Confirm your e-mail address to sign up"
    assert "valid for" in mail.body
    assert "確認" not in mail.body
    link = re.search(r"/signup/verify/(\S+)/", mail.body)
    assert link
    assert SignupToken.objects.count() == 1
    response = client.post(
        f"/signup/verify/{link.group(1)}/",
        {"password1": "a-long-english-pass-2026", "password2": "a-long-english-pass-2026"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(email="new.reader@example.jp").preferred_language == "en"


def test_notifications_mail_and_sms_in_each_readers_language(
    mailoutbox: list[Any], sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    _reads_in(user, "en")
    payment_history(org, user)
    _phone_verified_by(org, user)
    choose(org, email_screening=True, email_contract=True, sms_important=True)
    with translation.override("ja"), django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(user=user, organization=org)  # the worker's language is Japanese
    subjects = [m.subject for m in mailoutbox]
    assert any("offer" in s.lower() for s in subjects), subjects
    for m in mailoutbox:
        assert not re.search(r"[\u3040-\u30ff]", m.subject + m.body), (m.subject, m.body)
    expires = deal.application.offer_expires_on
    offer = next(m for m in mailoutbox if "offer" in m.subject.lower())
    assert expires.strftime("%d %b %Y") in offer.body
    texts = [s["body"] for s in sms_gateway.outbox(MOBILE)]
    assert texts
    assert all(not re.search(r"[\u3040-\u30ff]", t) for t in texts), texts


def test_a_japanese_reader_still_gets_japanese_from_an_english_request(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    choose(org, email_screening=True)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        make_deal(user=user, organization=org)
    assert any("買取条件をご提示しました" in m.subject for m in mailoutbox)


def test_allauth_mail_and_the_sms_code_follow_the_reader(
    mailoutbox: list[Any], sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = User.objects.create_user(email="reset.en@example.jp", password="x" * 20)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    _reads_in(user, "en")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": user.email})  # a Japanese browser
    (mail,) = mailoutbox
    assert "Thank you for using Urikake." in mail.body
    assert not re.search(r"[\u3040-\u30ff]", mail.subject)

    owner, org = verified_applicant()
    _reads_in(owner, "en")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_phone_code(org, MOBILE, acting_user=owner)
    sms = sms_gateway.wait_for(MOBILE, contains="Verification code")
    assert re.search(r"Verification code: \d{6} \(valid for 10 minutes\)", sms["body"])
