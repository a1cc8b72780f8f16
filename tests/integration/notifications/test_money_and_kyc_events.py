"""Events after the contract and of eKYC: perfection done, payout sent and returned,
collection due (two-party) and overdue, the eKYC result — each in the centre, by mail, by SMS
for the important ones, once."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client

from tests.integration.kyc.helpers import event_for, post_webhook
from tests.integration.treasury.helpers import approved, funded_deal
from tests.integration.treasury.test_overdue import purchased
from urikake.kyc.models import KycCheck
from urikake.notifications.models import Delivery, Notification
from urikake.servicing import overdue
from urikake.treasury import payouts
from urikake.treasury.models import Payout

from .helpers import MOBILE, choose, verified_phone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def treasury_staff(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(
        email="treasury@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def _events(org: Any) -> list[str]:
    return list(
        Notification.objects.filter(organization=org).order_by("pk").values_list("event", flat=True)
    )


def test_perfection_payout_and_return_are_told(
    treasury_staff: Any, smtp_server: Any, sms_gateway: Any
) -> None:
    deal = funded_deal(treasury_staff, amount=1_600_000)
    assert "perfection_done" in _events(deal.organization)
    smtp_server.wait_for(deal.user.email, subject_contains="債権譲渡の手続きが完了しました")
    verified_phone(deal.organization)
    choose(deal.organization, email_payment=True, sms_important=True)

    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    payouts.mark_sent(batch, acting_user=treasury_staff)  # a second click: nothing new
    mail = smtp_server.wait_for(deal.user.email, subject_contains="お振込みのお知らせ")
    assert f"¥{payout.amount:,}" in smtp_server.body(mail)
    assert "1234567" not in smtp_server.body(mail)  # never the account number
    sms = sms_gateway.wait_for(MOBILE, contains="お振込みのお知らせ")
    assert "1234567" not in sms["body"]
    assert _events(deal.organization).count("payout_sent") == 1

    payouts.import_returns(
        f"customer_code,amount\n{payout.customer_code},{payout.amount}\n".encode(),
        acting_user=treasury_staff,
    )
    smtp_server.wait_for(deal.user.email, subject_contains="お振込みができませんでした")
    sms_gateway.wait_for(MOBILE, contains="お振込みができませんでした")
    assert Delivery.objects.filter(event="payout_sent", channel="sms").count() == 1


def test_two_party_collections_due_and_overdue(smtp_server: Any, sms_gateway: Any) -> None:
    p = purchased("two_party")
    verified_phone(p.organization)
    choose(p.organization, email_payment=True, sms_important=True)
    deadline = overdue.deadline_of(p)
    for days_before in (3, 2):  # two daily runs: told once
        call_command(
            "treasury_remind",
            "--date",
            (deadline - timedelta(days=days_before)).isoformat(),
            stdout=io.StringIO(),
        )
    assert _events(p.organization).count("collection_due") == 1
    due = smtp_server.wait_for(p.organization.created_by.email, subject_contains="期日が近づいて")
    assert f"¥{p.residual:,}" in smtp_server.body(due)
    assert not sms_gateway.outbox()  # a due date is not urgent: no SMS

    call_command(
        "treasury_remind",
        "--date",
        (deadline + timedelta(days=1)).isoformat(),
        stdout=io.StringIO(),
    )
    assert _events(p.organization).count("collection_overdue") == 1
    smtp_server.wait_for(
        p.organization.created_by.email, subject_contains="回収金のお振込みのお願い"
    )
    sms_gateway.wait_for(MOBILE, contains="お支払いが確認できません")


def test_the_ekyc_result_is_told(smtp_server: Any, django_user_model: Any) -> None:
    from tests.fixtures.deals import verified_applicant

    user, org = verified_applicant()
    check = KycCheck.objects.get(organization=org)
    KycCheck.objects.filter(pk=check.pk).update(
        status="pending", vendor_check_id="chk_1", decided_at=None
    )
    check.refresh_from_db()
    response = post_webhook(Client(), json.dumps(event_for(check, result="rejected")).encode())
    assert response.status_code == 200, response.content
    assert _events(org) == ["kyc_rejected"]
    mail = smtp_server.wait_for(user.email, subject_contains="本人確認を完了できませんでした")
    assert "/my/kyc/" in smtp_server.body(mail)
