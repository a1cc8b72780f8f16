"""In a real browser: a staff user (MFA enrolled) searches an applicant by its フリガナ typed in
hiragana, opens the 360° view and the audit trail, at 390 px and 1280 px — no page is wider
than the window (wide tables scroll inside their own box)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import DESKTOP, PHONE
from tests.fixtures.deals import make_deal

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def _staff_page(browser: Any, live_server: Any, django_user_model: Any, viewport: dict) -> Any:
    staff = django_user_model.objects.filter(email="audit@staff.example").first()
    if staff is None:
        staff = django_user_model.objects.create_user(
            email="audit@staff.example", password="y" * 20, is_staff=True, staff_role="compliance"
        )
        EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
        TOTP.activate(staff, generate_totp_secret())
    client = Client()
    client.force_login(staff)
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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_search_an_applicant_and_open_the_360_view(
    live_server: Any,
    browser: Any,
    django_user_model: Any,
    artifacts_dir: Path,
    viewport: dict[str, int],
) -> None:
    deal = make_deal(amount=1_100_000)  # an applicant with KYC, payout account, deal, audit
    context = _staff_page(browser, live_server, django_user_model, viewport)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/backoffice/")
        page.get_by_role("link", name="申込者の一覧").click()
        page.get_by_label("商号・フリガナ・法人番号").fill("うりぬし")  # hiragana → ウリヌシ
        page.get_by_role("button", name="検索").click()
        # the search is a page load: measure the result page, not the one being left
        page.wait_for_url("**q=*")
        page.wait_for_load_state()
        assert page.evaluate(NO_OVERFLOW), "the result list overflows"
        page.get_by_role("link", name=deal.organization.name).click()
        page.get_by_role("heading", level=1, name=deal.organization.name).wait_for()
        for heading in ("基本情報", "本人確認（eKYC）", "振込先口座", "申込み", "監査証跡"):
            assert page.get_by_role("heading", name=heading).count() == 1, heading
        assert "条件承諾" in page.content()
        width = viewport["width"]
        assert page.evaluate(NO_OVERFLOW), "the 360° view overflows"
        page.screenshot(path=str(artifacts_dir / f"applicant-360-{width}.png"), full_page=True)
        page.locator("section[aria-labelledby=h-audit] a").first.click()
        page.get_by_role("heading", level=1, name="監査記録").wait_for()
        assert page.evaluate(NO_OVERFLOW), "the audit record overflows"
        page.goto(live_server.url + "/backoffice/audit/")
        assert page.evaluate(NO_OVERFLOW), "the audit trail overflows"
    finally:
        context.close()
