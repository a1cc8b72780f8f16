"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded browser).

The browser is ``$CHROMIUM_PATH`` or ``/usr/bin/chromium``. Without one, browser tests are
skipped with a loud message on a developer's machine, and fail on CI (``CI`` set), where
``.ci/run`` installs the ``chromium`` package.

Every page gets a request filter: anything not going to the live server is blocked and
recorded, so a test can assert that a page works offline (no CDN).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    if Path(candidate).exists():
        return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e = [item for item in items if "tests/e2e/" in str(item.fspath).replace(os.sep, "/")]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    if not e2e or chromium_path():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(
            "CI: Chromium not found (install Debian's 'chromium' or set CHROMIUM_PATH); "
            "browser tests must not be skipped on CI"
        )
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    message = (
        "\n" + "!" * 78 + "\n"
        "!! ブラウザテストをスキップします: Chromium が見つかりません。\n"
        "!! SKIPPING BROWSER TESTS: no Chromium at $CHROMIUM_PATH or /usr/bin/chromium.\n"
        "!! Install it (Debian/Ubuntu: apt-get install chromium) to run them.\n" + "!" * 78
    )
    if reporter is not None:
        reporter.write_line(message, red=True, bold=True)
    skip = pytest.mark.skip(reason="no Chromium on this machine (see the message above)")
    for item in e2e:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    assert path is not None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class OfflinePage:
    """A page plus the list of requests it tried to make outside the live server."""

    def __init__(self, page: object, blocked: list[str]) -> None:
        self.page = page
        self.blocked = blocked


def _new_page(browser: object, live_server: object, viewport: dict[str, int]) -> OfflinePage:
    context = browser.new_context(viewport=viewport, locale="ja-JP")  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    blocked: list[str] = []
    base = live_server.url  # type: ignore[attr-defined]

    def route(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(base) or url.startswith("data:") or url.startswith("blob:"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            route.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    return OfflinePage(context.new_page(), blocked)


@pytest.fixture
def phone_page(browser: object, live_server: object) -> Iterator[OfflinePage]:
    p = _new_page(browser, live_server, PHONE)
    yield p
    p.page.context.close()  # type: ignore[attr-defined]


@pytest.fixture
def desktop_page(browser: object, live_server: object) -> Iterator[OfflinePage]:
    p = _new_page(browser, live_server, DESKTOP)
    yield p
    p.page.context.close()  # type: ignore[attr-defined]


@pytest.fixture
def artifacts_dir() -> Path:
    """Screenshots land here (var/test/artifacts); CI can keep them."""
    path = Path(settings.VAR_DIR) / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path
