"""Each event tells the right people exactly once, on the channels they chose: the mail read
from a real SMTP server, the SMS from the gateway simulator over HTTP, the entry in the
notification centre — and no mail/SMS when the organisation turned them off."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction

from tests.fixtures.deals import make_deal, payment_history, verified_applicant
from urikake.accounts.models import User
from urikake.contracts import services as contracts
from urikake.domain.applications import ApplicationStatus
from urikake.integrations.http import RETRY_POLICY
from urikake.notifications import services
from urikake.notifications.models import Delivery, Notification
from urikake.receivables import notices
from urikake.receivables.models import FinancingApplication

from .helpers import MOBILE, choose, verified_phone

pytestmark = pytest.mark.django_db


def events_of(user: User) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("event", flat=True)
    )


def test_received_offer_and_contract_ready_arrive_by_mail_sms_and_centre(
    smtp_server: Any, sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    verified_phone(org)
    choose(org, email_screening=True, email_contract=True, email_payment=True, sms_important=True)
    with django_capture_on_commit_callbacks(execute=True):
        deal = make_deal(user=user, organization=org)
    app = deal.application

    assert events_of(user) == ["application_received", "offer_made", "contract_ready"]
    received = smtp_server.wait_for(user.email, subject_contains="お申込みを受け付けました")
    assert str(received["Subject"]).strip().startswith("【Urikake】")
    offer = smtp_server.wait_for(user.email, subject_contains="買取条件をご提示しました")
    body = smtp_server.body(offer)
    net = app.offer["net_payout"]
    assert f"¥{net:,}" in body
    expires = app.offer_expires_on
    assert f"{expires.year}年{expires.month}月{expires.day}日" in body
    assert f"/my/applications/{app.pk}/" in body
    smtp_server.wait_for(user.email, subject_contains="契約書のご署名をお願いします")
    assert len(smtp_server.messages) == 3

    sms = sms_gateway.wait_for(MOBILE, contains="買取条件をご提示しました")
    assert sms["body"].startswith("【Urikake】")
    sms_gateway.wait_for(MOBILE, contains="契約書のご署名")
    sms_gateway.wait_for(MOBILE, contains="お申込みを受け付けました")
    # Every step of the loop reaches the phone: received, offer, contract ready — once each.
    assert len(sms_gateway.outbox(MOBILE)) == 3
    sent = Delivery.objects.filter(channel="sms")
    assert {d.status for d in sent} == {"sent"}
    assert all(d.body == "" for d in sent)  # the text does not outlive its delivery


def test_opting_out_stops_mail_and_sms_but_keeps_the_centre(
    smtp_server: Any, sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    verified_phone(org)
    choose(org, email_screening=False, email_contract=True, sms_important=False)
    with django_capture_on_commit_callbacks(execute=True):
        make_deal(user=user, organization=org)
    assert events_of(user) == ["application_received", "offer_made", "contract_ready"]
    subjects = [str(m["Subject"]).strip() for m in smtp_server.messages]
    number = Notification.objects.get(event="contract_ready").context["application"]
    assert subjects == [f"【Urikake】契約書のご署名をお願いします（申込み #{number}）"]
    assert sms_gateway.outbox() == []


def test_an_unverified_number_gets_no_sms(
    sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    org.contact_phone = MOBILE
    org.save()
    choose(org, sms_important=True, email_screening=True)
    with django_capture_on_commit_callbacks(execute=True):
        make_deal(user=user, organization=org)
    assert "offer_made" in events_of(user)
    assert sms_gateway.outbox() == []
    assert not Delivery.objects.filter(channel="sms").exists()


def test_each_event_is_told_once_whatever_the_retries(
    smtp_server: Any, sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deal = make_deal(accept=False)
    verified_phone(deal.organization)
    choose(deal.organization, email_screening=True, sms_important=True)
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        notices.decided(deal.application)
        notices.decided(deal.application)  # a retried task
    with django_capture_on_commit_callbacks(execute=True):
        notices.decided(deal.application)  # a double click, in another transaction
    assert Notification.objects.filter(event="offer_made").count() == 1
    assert Delivery.objects.filter(event="offer_made", channel="mail").count() == 1
    assert Delivery.objects.filter(event="offer_made", channel="sms").count() == 1
    assert len([m for m in smtp_server.messages if "買取条件" in str(m["Subject"])]) == 1
    assert len(sms_gateway.outbox(MOBILE)) == 1
    # The database itself refuses a second entry (the guarantee is not only in Python).
    n = Notification.objects.get(event="offer_made")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(event=n.event, subject=n.subject, recipient=n.recipient)


def test_a_decline_explains_in_words_not_codes(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deal = make_deal(accept=False)
    app = deal.application
    app.status = ApplicationStatus.DECLINED
    app.screening_result = {
        "outcome": "decline",
        "model_notice": "baseline model trained on SYNTHETIC data",
        "reasons": [{"code": "line.exceeded", "message": "与信枠超過 score=87"}],
        "invoices": [
            {
                "reasons": [
                    {"code": "debtor.high_risk", "message": "売掛先リスク 87点"},
                    {
                        "code": "clause.prohibited",
                        "message": "譲渡禁止特約あり",
                        "applicant_message": "請求書に債権の譲渡を禁止する特約があります。",
                    },
                ],
                "risks": [{"score": 87}],
            }
        ],
    }
    app.save()
    with django_capture_on_commit_callbacks(execute=True):
        notices.decided(FinancingApplication.objects.get(pk=app.pk))
    mail = smtp_server.wait_for(deal.user.email, subject_contains="審査結果のお知らせ")
    body = smtp_server.body(mail)
    assert "買取を見送らせていただく" in body
    assert "請求書に債権の譲渡を禁止する特約があります。" in body
    for internal in ("debtor.high_risk", "clause.prohibited", "87", "score", "SYNTHETIC", "融資"):
        assert internal not in body
    entry = Notification.objects.get(event="application_declined")
    assert entry.context["reasons"] == ["請求書に債権の譲渡を禁止する特約があります。"]


def test_a_referral_tells_the_applicant_and_every_reviewer(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    reviewers = []
    for role in ("reviewer", "reviewer", "treasury"):
        email = f"{role}-{uuid.uuid4().hex[:6]}@staff.example"
        staff = User.objects.create_user(email=email, is_staff=True, staff_role=role)
        EmailAddress.objects.create(user=staff, email=email, verified=True, primary=True)
        reviewers.append(staff)
    deal = make_deal(accept=False)
    FinancingApplication.objects.filter(pk=deal.application.pk).update(
        status=ApplicationStatus.REFERRED
    )
    with django_capture_on_commit_callbacks(execute=True):
        notices.decided(FinancingApplication.objects.get(pk=deal.application.pk))
    assert "application_referred" in events_of(deal.user)
    for staff in reviewers[:2]:
        assert events_of(staff) == ["referral_waiting"]
        mail = smtp_server.wait_for(staff.email, subject_contains="審査待ちの申込みがあります")
        assert f"/backoffice/screening/{deal.application.pk}/" in smtp_server.body(mail)
    assert events_of(reviewers[2]) == []  # treasury does not review


def test_signing_tells_the_applicant(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deal = make_deal()
    docs = contracts.prepare_contracts(deal.application, acting_user=deal.user)
    with django_capture_on_commit_callbacks(execute=True):
        contracts.sign_contracts(
            deal.application,
            acting_user=deal.user,
            agreed_hashes={d.document_number: d.sha256 for d in docs},
            ip_address="192.0.2.1",
            user_agent="ua",
        )
    smtp_server.wait_for(deal.user.email, subject_contains="契約の締結が完了しました")
    assert "contract_signed" in events_of(deal.user)


def test_sms_failures_are_retried_and_never_fail_the_action(
    sms_gateway: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    deal = make_deal(accept=False)
    verified_phone(deal.organization)
    choose(deal.organization, sms_important=True)
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    sms_gateway.fail_next(RETRY_POLICY.attempts)  # beyond the shared client's own retries
    with django_capture_on_commit_callbacks(execute=True):
        notices.decided(deal.application)  # the gateway answers 503: the action succeeds
    d = Delivery.objects.get(channel="sms")
    assert (d.status, d.attempts) == ("queued", 1)
    assert d.next_attempt_at is not None
    assert d.body
    assert sms_gateway.outbox() == []
    assert services.retry_due_sms(now=timezone.now() + timedelta(hours=1)) == 1
    d.refresh_from_db()
    assert d.status == "sent"
    assert len(sms_gateway.outbox(MOBILE)) == 1
