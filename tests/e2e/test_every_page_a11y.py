"""Every page in a real browser (issue 10 item 9): axe-core finds no serious or critical
accessibility violation, and no page is wider than a 390 px phone.

The pages are the text walk's (``tests/fixtures/pages.py``): every route of the URL
configuration, as each reader who may open it, with parameters filled from the demo data.
One browser; one logged-in context per reader. axe-core is the vendored copy in
``web/static/vendor/axe-core`` (nothing is fetched from outside: the context blocks it).
Screenshots of a few pages at 390 px and 1280 px go to ``var/test/artifacts/pages/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client

from tests.e2e.conftest import DESKTOP, PHONE
from tests.fixtures.pages import Page, Reader, Walk
from tests.fixtures.walker import WalkerDemo

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "src/urikake/web/static/vendor/axe-core/axe.min.js"
AXE_VERSION = "4.14.1"
BLOCKING = ("serious", "critical")
SCREENSHOTS = {
    "web:top",
    "applicants:home",
    "receivables:applications",
    "receivables:application",
    "contracts:detail",
    "treasury:list",
    "backoffice:home",
    "treasury_backoffice:payouts",
    "contracts_backoffice:list",
    "backoffice:audit",
}


def _context(browser: Any, live_server: Any, reader: Reader, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    context.set_default_timeout(20_000)
    if reader.user is not None:
        client = Client()
        client.force_login(reader.user)
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
        url = r.request.url
        if url.startswith(live_server.url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return context, blocked


def _axe(page: Any) -> list[str]:
    # From the site's own static files (the pages' CSP allows scripts from 'self' only).
    page.add_script_tag(url=static("vendor/axe-core/axe.min.js"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return {version: axe.version, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))};
        }"""
    )
    assert result["version"] == AXE_VERSION
    return [
        f"{v['impact']} {v['id']} ({v['help']}) at {v['nodes']}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def _overflow(page: Any, width: int) -> str | None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll <= width:
        return None
    culprit = page.evaluate(
        """(width) => {
            const out = [];
            for (const el of document.querySelectorAll('body *')) {
                const r = el.getBoundingClientRect();
                if (r.right > width + 1 && out.length < 3) {
                    out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
                }
            }
            return out.join(', ');
        }""",
        width,
    )
    return f"scrollWidth {scroll} > {width} ({culprit})"


@pytest.fixture
def demo(walker_demo: WalkerDemo, transactional_db: None, django_db_blocker: Any) -> Walk:
    """The session's demo walk (``tests/fixtures/walker.py``, shared with the text walk), put
    back in the test database; pytest-django empties it after the test, as after any
    transactional test. The text walk takes two URLs per route, the browser one per route: the
    first (``first_per_route``)."""
    with django_db_blocker.unblock():
        walker_demo.restore_demo()
    return first_per_route(walker_demo.walk)


def first_per_route(walk_: Walk) -> Walk:
    """The walk with each reader's first page of each route (in the order walked)."""
    taken: set[tuple[str, str]] = set()
    pages = []
    for p in walk_.pages:
        key = (p.reader, p.route.pattern)
        if key not in taken:
            taken.add(key)
            pages.append(p)
    return Walk(walk_.readers, pages, list(walk_.unreached))


def test_every_page_is_accessible_and_fits_a_phone(
    browser: Any, live_server: Any, demo: Walk, artifacts_dir: Path
) -> None:
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{AXE_VERSION}")
    assert len(demo.pages) > 60, len(demo.pages)
    shots = artifacts_dir / "pages"
    shots.mkdir(exist_ok=True)
    problems: list[str] = []
    outside: list[str] = []
    # A staff page looks the same to every role that may open it: each URL once, as the
    # first role that can (the text walk reads it as every role).
    by_reader: dict[str, list[Page]] = {}
    staff_seen: set[str] = set()
    for p in demo.pages:
        if p.kind == "staff":
            if p.url in staff_seen:
                continue
            staff_seen.add(p.url)
        by_reader.setdefault(p.reader, []).append(p)
    for reader_name, pages in by_reader.items():
        reader = demo.readers[reader_name]
        phone, blocked = _context(browser, live_server, reader, PHONE)
        tab = phone.new_page()
        for p in pages:
            tab.goto(live_server.url + p.url)
            where = f"{reader_name} {p.url}"
            too_wide = _overflow(tab, PHONE["width"])
            if too_wide:
                problems.append(f"{where}: {too_wide}")
            problems += [f"{where}: {v}" for v in _axe(tab)]
            if p.route.name in SCREENSHOTS:
                name = f"{reader_name}-{p.route.name.replace(':', '-')}"
                tab.screenshot(path=str(shots / f"{name}-390.png"), full_page=True)
        outside += blocked
        phone.close()
    desktop, blocked = _context(browser, live_server, demo.readers["client"], DESKTOP)
    tab = desktop.new_page()
    for p in by_reader.get("client", []):
        if p.route.name in SCREENSHOTS:
            tab.goto(live_server.url + p.url)
            name = f"client-{p.route.name.replace(':', '-')}"
            tab.screenshot(path=str(shots / f"{name}-1280.png"), full_page=True)
    desktop.close()
    outside += blocked
    assert outside == [], outside
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_axe_finds_a_planted_violation(browser: Any, live_server: Any) -> None:
    """The check can fail: an image without alt text and a 600 px box are caught (a wide
    table no longer is: on a phone it scrolls inside itself)."""
    anonymous = Reader("anonymous", None, "anonymous")
    context, _blocked = _context(browser, live_server, anonymous, PHONE)
    tab = context.new_page()
    tab.goto(live_server.url + "/")
    tab.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend',
              '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">' +
              '<div style="width:600px">x</div>' +
              '<table style="width:900px"><tr><td>table</td></tr></table>');
        }"""
    )
    assert any("image-alt" in v for v in _axe(tab))
    assert _overflow(tab, PHONE["width"]) is not None
    context.close()
