"""In a real browser: the applicant reads each purpose and consents on the application form;
screening asks the 反社 vendor and the credit bureau (local simulators over HTTP); the
credit bureau reports the representative as delinquent, so the application is referred; the
applicant sees a polite general reason, and the reviewer sees the vendors' evidence
(reference ids, hash, the answer) at 390 px and 1280 px without horizontal overflow."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import DESKTOP, PHONE
from tests.fixtures.screening_vendors import applicant_with_invoice
from urikake.applicants.models import DataUseConsent
from urikake.receivables.models import ExternalCheck, FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def _context(browser: Any, live_server: Any, user: Any, viewport: dict[str, int]) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def _reviewer(django_user_model: Any) -> Any:
    staff = django_user_model.objects.create_user(
        email="reviewer@staff.example", password="y" * 20, is_staff=True, staff_role="reviewer"
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, generate_totp_secret())
    return staff


def test_consent_then_the_reviewer_sees_the_vendor_evidence(
    live_server: Any,
    browser: Any,
    django_user_model: Any,
    artifacts_dir: Path,
    screening_vendors: Any,
) -> None:
    # The bureau simulator reports a 延滞 record for a name containing 延滞.
    user, org, _ = applicant_with_invoice(
        name=f"株式会社精機{uuid.uuid4().hex[:4]}",
        representative="延滞 一郎",
        invoice_number="V-001",
    )
    context = _context(browser, live_server, user, DESKTOP)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/my/applications/")
        page.get_by_label("3社間ファクタリング").check()
        page.locator("input[name=invoices]").first.check()
        # Submitting without consent: the browser's own check keeps the form, nothing sent.
        page.get_by_role("button", name="申し込む（審査を始める）").click()
        assert not FinancingApplication.objects.exists()
        for box in page.get_by_role("checkbox", name="上記の利用目的に同意します").all():
            box.check()
        assert "信用情報機関" in page.content()
        page.get_by_role("button", name="申し込む（審査を始める）").click()
        page.get_by_text("お申込みを受け付けました").wait_for()
        assert DataUseConsent.objects.filter(organization=org, given_by=user).count() == 2
        application = FinancingApplication.objects.get()
        screen_application.call(application.pk)  # what the worker does after commit
        application.refresh_from_db()
        assert application.status == "referred"
        page.reload()
        text = page.content()
        assert "担当者がお申込みを確認します" in text
        assert "延滞" not in text.replace(org.representative_name, "")
        assert "cbr_" not in text
    finally:
        context.close()
    assert screening_vendors.calls == 6

    reviewer = _reviewer(django_user_model)
    for viewport in (PHONE, DESKTOP):
        context = _context(browser, live_server, reviewer, viewport)
        page = context.new_page()
        try:
            page.goto(live_server.url + "/backoffice/screening/")
            page.get_by_role("link", name=f"#{application.pk}").click()
            page.get_by_role("heading", name="外部照会（反社チェック・信用情報）").wait_for()
            section = page.locator("section[aria-labelledby=h-external]")
            table = section.inner_text()
            for check in ExternalCheck.objects.filter(application=application):
                assert check.reference_id in table
            assert "異動情報: 延滞" in table
            assert "代表者: 延滞 一郎" in table
            assert "同意（" in table
            section.get_by_text("回答の原文").first.click()
            assert "report_id" in section.inner_text() or "screening_id" in section.inner_text()
            assert page.get_by_text("external.credit.adverse").count() == 1
            assert page.evaluate(NO_OVERFLOW), "the reviewer page overflows"
            width = viewport["width"]
            page.screenshot(
                path=str(artifacts_dir / f"screening-vendors-{width}.png"), full_page=True
            )
        finally:
            context.close()
