"""Reviewers decide referred applications; two reviewers above the four-eyes threshold."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from tests.integration.receivables.test_screening_flow import _apply, _history, _verified_org
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.receivables.review import review_application

pytestmark = pytest.mark.django_db


def _reviewer(django_user_model, email: str, role: str = "reviewer"):
    user = django_user_model.objects.create_user(
        email=email, password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def referred(django_user_model):
    user, org = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    application = _apply(org, user, "A-001")  # no payment history at all → referred
    assert application.status == "referred", application.screening_result
    return application


def test_one_reviewer_approves_below_the_threshold(referred, django_user_model, settings) -> None:
    settings.FOUR_EYES_THRESHOLD_YEN = 5_000_000
    reviewer = _reviewer(django_user_model, "r1@staff.example")
    app = review_application(
        referred, acting_user=reviewer, verdict="approve", comment="取引先は上場企業"
    )
    assert app.status == "offered"
    assert app.offer_expires_on is not None
    assert AuditRecord.objects.filter(action="application.reviewed").count() == 1


def test_four_eyes_needs_two_different_reviewers(referred, django_user_model, settings) -> None:
    settings.FOUR_EYES_THRESHOLD_YEN = 1_000_000
    first = _reviewer(django_user_model, "r1@staff.example")
    second = _reviewer(django_user_model, "r2@staff.example")
    app = review_application(referred, acting_user=first, verdict="approve", comment="確認済み")
    assert app.status == "referred"
    with pytest.raises(DomainError) as exc:
        review_application(app, acting_user=first, verdict="approve", comment="もう一度")
    assert exc.value.code == "review.already_reviewed"
    app = review_application(app, acting_user=second, verdict="approve", comment="同意")
    assert app.status == "offered"


def test_a_decline_needs_one_reviewer_and_a_comment(referred, django_user_model) -> None:
    reviewer = _reviewer(django_user_model, "r1@staff.example")
    with pytest.raises(DomainError) as exc:
        review_application(referred, acting_user=reviewer, verdict="decline", comment=" ")
    assert exc.value.code == "review.comment"
    app = review_application(referred, acting_user=reviewer, verdict="decline", comment="実態なし")
    assert app.status == "declined"


def test_staff_without_the_capability_cannot_review(referred, django_user_model) -> None:
    treasury = _reviewer(django_user_model, "t@staff.example", role="treasury")
    with pytest.raises(DomainError) as exc:
        review_application(referred, acting_user=treasury, verdict="approve", comment="x")
    assert exc.value.code == "review.forbidden"


def test_queue_and_detail_pages_highlight_the_debtors_payments(django_user_model) -> None:
    user, org = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    _history(org, user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    app = _apply(org, user, "A-001", amount=9_000_000)  # above the auto-approve limit → referred
    assert app.status == "referred", app.screening_result
    client = Client()
    client.force_login(_reviewer(django_user_model, "r1@staff.example"))
    assert f"#{app.pk}" in client.get("/backoffice/screening/").content.decode()
    html = client.get(f"/backoffice/screening/{app.pk}/").content.decode()
    assert html.count('class="highlight"') >= 10
    response = client.post(
        f"/backoffice/screening/{app.pk}/", {"verdict": "decline", "comment": "金額が大きすぎる"}
    )
    assert response.status_code == 302
