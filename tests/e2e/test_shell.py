"""The web shell in a real browser: top page at phone and desktop sizes, language switch,
and the OpenAPI docs rendering with no network beyond our own server."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_top_page_on_a_phone(live_server, phone_page, artifacts_dir: Path) -> None:
    page = phone_page.page
    page.goto(live_server.url + "/")
    heading = page.get_by_role("heading", level=1)
    assert "売掛債権" in heading.inner_text()
    # Mobile-first: nothing overflows the 390 px viewport horizontally.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(artifacts_dir / "top-phone.png"), full_page=True)
    assert phone_page.blocked == []


def test_top_page_on_a_desktop_and_keyboard_skip_link(
    live_server, desktop_page, artifacts_dir: Path
) -> None:
    page = desktop_page.page
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "本文へ移動" in focused
    page.screenshot(path=str(artifacts_dir / "top-desktop.png"), full_page=True)
    assert desktop_page.blocked == []


def test_switch_to_english_and_back(live_server, desktop_page) -> None:
    page = desktop_page.page
    page.goto(live_server.url + "/")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="切替").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Turn receivables into cash" in page.get_by_role("heading", level=1).inner_text()
    page.select_option("#lang-select", "ja")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ja"


def test_api_docs_render_offline(live_server, desktop_page, artifacts_dir: Path) -> None:
    page = desktop_page.page
    page.goto(live_server.url + "/api/docs")
    page.get_by_text("/api/system/health").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "api-docs.png"))
    assert desktop_page.blocked == [], desktop_page.blocked


def test_healthz_in_the_browser(live_server, desktop_page) -> None:
    page = desktop_page.page
    response = page.goto(live_server.url + "/healthz")
    assert response is not None
    assert response.status == 200
    assert response.json()["database"]["ok"] is True
