"""In a real browser: the back-office dashboards on a phone (390 px) and a desktop (1280 px):
no horizontal overflow, every chart rendered with its title and its Japanese labels, nothing
fetched from outside. Screenshots go to var/test/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import DESKTOP, PHONE
from tests.integration.test_dashboards import build_book, staff_user
from urikake.backoffice.dashboard import SECTION_KEYS

pytestmark = pytest.mark.django_db(transaction=True)


def _context(browser: Any, live_server: Any, staff: Any, viewport: dict[str, int]) -> Any:
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
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(live_server.url):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return context, blocked


def test_dashboards_fit_a_phone_and_a_desktop(
    browser: Any, live_server: Any, django_user_model: Any, artifacts_dir: Path
) -> None:
    staff = staff_user(django_user_model)
    build_book(staff)
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context, blocked = _context(browser, live_server, staff, viewport)
        page = context.new_page()
        page.goto(live_server.url + "/backoffice/dashboards/")
        assert page.title().startswith("経営ダッシュボード")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        charts = page.locator("svg.chart")
        assert charts.count() == len(SECTION_KEYS)
        for i in range(charts.count()):
            chart = charts.nth(i)
            box = chart.bounding_box()
            assert box is not None
            assert box["width"] > 0
            assert box["height"] > 0
            assert box["x"] + box["width"] <= viewport["width"] + 1, f"{name}: chart {i} overflows"
            assert chart.get_attribute("role") == "img"
            assert chart.locator("title").first.text_content()
        # the Japanese labels are drawn (SVG text with a real size on screen)
        for label in ("申込み", "資金化（送金）", "期日未到来", "運輸業・郵便業"):
            text = page.locator("svg.chart text", has_text=label).first
            box = text.bounding_box()
            assert box is not None, f"{name}: {label} not drawn"
            assert box["width"] > 0, f"{name}: {label} not drawn"
        page.screenshot(path=str(artifacts_dir / f"dashboards-{name}.png"), full_page=True)
        assert blocked == []
        context.close()
