"""The public pages in a real browser: with the demo plans loaded, the top page, company,
FAQ, contact and terms pages fit a 390 px phone and a 1280 px desktop (no horizontal
scrolling), load nothing from outside, and a visitor can send the contact form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import OfflinePage
from urikake.audit.models import AuditRecord
from urikake.system.demo_plans import load_demo_plans

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ("/", "/company/", "/faq/", "/contact/", "/terms/", "/privacy/")


@pytest.fixture
def plans(django_user_model: Any) -> None:
    admin = django_user_model.objects.create_user(
        email="plans@staff.example", password="x" * 20, is_staff=True, staff_role="admin"
    )
    load_demo_plans(admin)


@pytest.mark.parametrize("page_fixture", ["phone_page", "desktop_page"])
def test_public_pages_fit_the_screen(
    plans: None, live_server: Any, request: Any, page_fixture: str, artifacts_dir: Path
) -> None:
    offline: OfflinePage = request.getfixturevalue(page_fixture)
    page: Any = offline.page
    for url in PAGES:
        page.goto(live_server.url + url)
        width = page.evaluate("window.innerWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
    page.goto(live_server.url + "/")
    assert "クイックプラン" in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / f"top-{page_fixture}.png"), full_page=True)
    assert offline.blocked == []


def test_a_visitor_sends_the_contact_form(live_server: Any, desktop_page: OfflinePage) -> None:
    page: Any = desktop_page.page
    page.goto(live_server.url + "/contact/")
    page.get_by_label("お名前").fill("山田 花子")
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_label("お問い合わせの種類").select_option("service")
    page.get_by_label("お問い合わせ内容").fill("3社間ファクタリングの必要書類を教えてください。")
    page.get_by_role("button", name="送信する").click()
    page.get_by_role("heading", name="お問い合わせを受け付けました").wait_for()
    assert AuditRecord.objects.filter(action="web.contact_received").count() == 1
