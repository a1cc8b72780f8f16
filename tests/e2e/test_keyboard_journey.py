"""Apply → accept the offer → sign the contract with the keyboard only (issue 10 item 9).

No mouse and no ``.click()``: the test moves with Tab (and Shift+Tab), types, and presses
Enter / Space / arrow keys, as a keyboard user does. Each control it needs must be reachable
by Tab, in a sensible order, with a visible focus indicator (an outline or a shadow); the
skip link is the first stop on every page and moves focus to the main content. Typing a URL
in the address bar (``page.goto``) is a keyboard action too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    payment_history,
    verified_applicant,
)
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "keyboard@uriko.example.jp"
PASSWORD = "x" * 20

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  return {tag: el.tagName, id: el.id, name: el.getAttribute('name'), value: el.value || '',
          text: (el.innerText || '').trim().slice(0, 60), outline, shadow: s.boxShadow !== 'none',
          visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)};
}"""


def _applicant() -> None:
    user, org = verified_applicant(
        email=EMAIL, name="株式会社キーボード商会", kana="キーボードシヨウカイ"
    )
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    payment_history(org, user)
    debtor = services.register_debtor(
        org,
        acting_user=user,
        name=DEBTOR_NAME,
        name_kana=DEBTOR_KANA,
        corporate_number=DEBTOR_CORPORATE_NUMBER,
    )
    today = timezone.localdate()
    services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=DEBTOR_NAME,
            invoice_number="KB-2026-0001",
            issue_date=today - timedelta(days=1),
            due_date=today + timedelta(days=60),
            total_amount=1_100_000,
            tax_breakdown=(TaxBreakdown(Decimal("0.10"), 1_000_000, 100_000),),
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )


class Keyboard:
    """Tab through a page until the focus is where we want it; check it can be seen."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.stops: list[str] = []

    def focused(self) -> dict[str, Any] | None:
        return self.page.evaluate(FOCUS_STYLE)  # type: ignore[no-any-return]

    def tab_to(self, selector: str, *, limit: int = 80, backwards: bool = False) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                info = self.focused()
                assert info is not None
                assert info["visible"], f"{selector} is focused but not visible"
                assert info["outline"] or info["shadow"], f"no visible focus on {selector}: {info}"
                self.stops.append(selector)
                return
        raise AssertionError(f"{selector} cannot be reached with the keyboard")

    def press_enter_and_wait(self) -> None:
        """Enter on a link or a submit button, and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def skip_to_main(self) -> None:
        """The first Tab stop is the skip link; Enter moves the focus into <main>."""
        self.page.keyboard.press("Tab")
        info = self.focused()
        assert info is not None
        assert info["text"] in ("本文へ移動", "Skip to main content"), info
        assert info["outline"] or info["shadow"], info
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main"


def test_apply_accept_and_sign_with_the_keyboard_only(
    live_server: Any, browser: Any, artifacts_dir: Path
) -> None:
    _applicant()
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    keys = Keyboard(page)
    try:
        page.goto(base + "/accounts/login/")
        keys.skip_to_main()
        keys.tab_to("#id_login")
        page.keyboard.type(EMAIL)
        keys.tab_to("#id_password")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/(my|accounts/mfa-prompt)/"))
        if "/mfa-prompt/" in page.url:  # the two-step login suggestion: "later"
            keys.skip_to_main()
            keys.tab_to("a.button-secondary")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/my/"))

        # Apply: the product (a radio group: arrow keys), the invoice (Space), submit (Enter).
        page.goto(base + "/my/applications/")
        keys.skip_to_main()
        keys.tab_to("input[name=product]")
        for _ in range(4):
            if page.evaluate("document.activeElement.value") == "three_party":
                break
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        assert page.locator("input[name=product][value=three_party]").is_checked()
        keys.tab_to("input[name=invoices]")
        page.keyboard.press("Space")
        assert page.locator("input[name=invoices]").first.is_checked()
        keys.tab_to("button[type=submit].primary")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/my/applications/(\d+)/(#main)?$"))
        pk = int(re.search(r"/my/applications/(\d+)/", page.url).group(1))  # type: ignore[union-attr]
        screen_application.call(pk)  # what the background worker does
        page.reload()

        # Accept the offer: Tab to the button, Enter.
        assert "ご提示条件" in page.content()
        keys.skip_to_main()
        keys.tab_to("button[value=accept]")
        keys.press_enter_and_wait()
        assert FinancingApplication.objects.get(pk=pk).status == "accepted"

        # Sign: follow the links to the signing page, tick the agreement (Space), submit.
        keys.skip_to_main()
        keys.tab_to(f"a[href$='/my/contracts/{pk}/']")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/my/contracts/{pk}/(#main)?$"))
        if page.locator("form button.primary", has_text="契約書類を作成する").count():
            keys.skip_to_main()
            keys.tab_to("form button.primary")
            keys.press_enter_and_wait()
        keys.skip_to_main()
        keys.tab_to(f"a[href$='/my/contracts/{pk}/sign/']")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/(sign|accounts/reauthenticate)/"))
        if "/reauthenticate/" in page.url:  # signing asks for the password again
            keys.skip_to_main()
            keys.tab_to("input[type=password]")
            page.keyboard.type(PASSWORD)
            keys.press_enter_and_wait()
        page.wait_for_url(re.compile(r"/sign/(#main)?$"))
        keys.skip_to_main()
        keys.tab_to("#agree")
        page.keyboard.press("Space")
        assert page.locator("#agree").is_checked()
        # Shift+Tab and back: the order is the reading order (agreement, then the button).
        keys.tab_to("form button[type=submit].primary")
        keys.tab_to("#agree", backwards=True)
        keys.tab_to("form button[type=submit].primary")
        page.screenshot(path=str(artifacts_dir / "keyboard-sign.png"), full_page=True)
        keys.press_enter_and_wait()
        assert FinancingApplication.objects.get(pk=pk).status == "contracted"
    finally:
        context.close()
