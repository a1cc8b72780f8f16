"""On a phone: a two-party client sees what it owes the platform and by when, reports the
debtor's payment, and gets the forwarding deadline (commingling risk made visible)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import PHONE
from tests.integration.treasury.helpers import funded_deal
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.domain.bank_calendar import add_bank_business_days
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_party_client_reports_a_collection_on_a_phone(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path
) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = django_user_model.objects.create_user(
        email="ops2@staff.example", password="y" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, generate_totp_secret())
    deal = funded_deal(staff, product="two_party", amount=2_750_000)
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=deal.user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    purchase = Position.objects.get(application=deal.application)

    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", deal.user.email)
    page.fill("#id_password", "x" * 20)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()
    page.goto(base + "/my/treasury/")
    page.get_by_role("link", name=re.compile(deal.invoice.invoice_number)).click()
    page.get_by_text("2社間（お客様が回収して当社へお振込み）").wait_for()

    today = timezone.localdate()
    page.get_by_label("入金日").fill(today.isoformat())
    page.get_by_label("入金額（円）").fill("2750000")
    page.get_by_role("button", name="入金を報告する").click()
    deadline = add_bank_business_days(today, 2)
    page.get_by_text(f"{deadline:%Y-%m-%d} までに当社口座へお振込みください").wait_for()
    page.screenshot(path=str(artifacts_dir / "my-treasury-phone.png"), full_page=True)
    context.close()
    purchase.refresh_from_db()
    assert purchase.forward_due_on == deadline
