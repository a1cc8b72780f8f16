"""Issue 9 in a real browser: a plan manager (staff, logged in with a password and an
authenticator code) lowers the quick plan's maximum in the back office; an applicant above
the new maximum is refused on the application page with the limit named, and nothing is
created."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_applicant_journey import Totp
from tests.fixtures.deals import verified_applicant
from tests.integration.plans.helpers import invoice_of
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.plans import services as plans
from urikake.plans.models import Plan
from urikake.receivables.models import FinancingApplication
from urikake.system.demo_plans import load_demo_plans

pytestmark = pytest.mark.django_db(transaction=True)

STAFF_EMAIL = "plans@staff.example"
PASSWORD = "x" * 20  # what tests.fixtures.deals gives its users


def _admin(django_user_model: Any) -> tuple[Any, Totp]:
    staff = django_user_model.objects.create_user(
        email=STAFF_EMAIL, password=PASSWORD, is_staff=True, staff_role="admin"
    )
    EmailAddress.objects.create(user=staff, email=STAFF_EMAIL, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)
    return staff, Totp(secret)


def _page(browser: Any) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    return context.new_page()


def test_staff_edits_a_plan_and_an_applicant_above_its_maximum_is_refused(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path
) -> None:
    base = live_server.url
    staff, totp = _admin(django_user_model)
    load_demo_plans(staff)
    quick = Plan.objects.get(code="quick")

    # --- The plan manager logs in (password + authenticator) and lowers the maximum --------
    page = _page(browser)
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", STAFF_EMAIL)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp.code())
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    page.goto(base + "/backoffice/")
    page.get_by_role("link", name="プラン・限度額").click()
    page.get_by_role("link", name="クイックプラン").click()
    page.get_by_role("link", name="条件を変更する").click()
    page.get_by_label("1件あたりの上限金額（円）").fill("500000")
    page.get_by_label("変更の理由").fill("小口案件の上限を見直し")
    page.get_by_role("button", name="保存する").click()
    page.get_by_text("プランの変更を保存しました").wait_for()
    assert "¥500,000" in page.content()
    assert "小口案件の上限を見直し" in page.content()
    page.screenshot(path=str(artifacts_dir / "plans-edited.png"), full_page=True)
    version = plans.current_version(quick)
    assert version is not None
    assert version.max_amount == 500_000
    page.context.close()

    # --- An applicant above the new maximum is refused, with the limit named ---------------
    user, org = verified_applicant()
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    invoice_of(org, user, 770_000)
    page = _page(browser)
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()
    page.goto(base + "/my/applications/")
    page.get_by_label("2社間ファクタリング").check()
    page.locator("input[name=invoices]").first.check()
    page.get_by_role("button", name="申し込む（審査を始める）").click()
    page.get_by_text("上限は1件あたり¥500,000です").wait_for()
    assert "お申込み額 ¥770,000" in page.content()
    page.screenshot(path=str(artifacts_dir / "plans-refused.png"), full_page=True)
    assert not FinancingApplication.objects.exists()
    page.context.close()
