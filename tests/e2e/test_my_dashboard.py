"""In a real browser, at 390 px and at 1280 px: the applicant's my page is a dashboard (funds
received, fees with the APR, the next step of each open deal with its deadline in words,
the credit line), nothing overflows sideways, and the contracts list and the statement
download work from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.fixtures.clients import accept_current_terms
from tests.fixtures.deals import make_deal
from tests.integration.treasury.helpers import approved, funded_deal
from urikake.contracts import services as contracts
from urikake.treasury import payouts
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db(transaction=True)

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def _login(browser: Any, live_server: Any, viewport: dict[str, int], email: str) -> Any:
    context = browser.new_context(viewport=viewport, locale="ja-JP", accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", "x" * 20)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()
    return context, page


def test_dashboard_on_a_phone_and_a_desktop(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path, monkeypatch: Any
) -> None:
    from tests.integration.treasury.test_overdue import staff_user
    from urikake.plans import services as plans
    from urikake.web import dashboard

    staff = staff_user(django_user_model, "ops-dash@staff.example")
    older = funded_deal(staff, "three_party", amount=330_000, due_days=50)
    # three deals open at once: a reviewer widens the client's line (docs/plans.md)
    plans.adjust_credit_line(
        older.organization, amount=5_000_000, reason="テスト: 3件同時", acting_user=staff
    )
    deal = funded_deal(
        staff,
        "three_party",
        user=older.user,
        organization=older.organization,
        amount=550_000,
        due_days=55,
    )
    advances = Payout.objects.filter(
        application__in=[older.application, deal.application], kind="advance"
    )
    advance = advances.get(application=deal.application)
    batch = payouts.build_batch(acting_user=staff, value_date=advance.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff)
    # A second deal of the same client, accepted: its next step is to sign.
    second = make_deal(
        product="two_party", user=deal.user, organization=deal.organization, amount=880_000
    )
    contracts.prepare_contracts(second.application, acting_user=second.user)
    accept_current_terms(deal.user)
    # The fee table shows the newest funded deals; with room for one, the older deal is left
    # to the statement, and the page says so (the live server runs in this process).
    monkeypatch.setattr(dashboard, "FUNDED_DEALS_SHOWN", 1)

    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        context, page = _login(browser, live_server, viewport, deal.user.email)
        page.goto(live_server.url + "/my/")
        page.get_by_role("heading", name="お取引の状況").wait_for()
        funds = sum(a.amount for a in advances)
        assert page.locator("#funds-total").inner_text() == f"¥{funds:,}"
        page.get_by_text("契約書に署名してください（").wait_for()
        waiting = page.get_by_text("売掛先から当社への入金をお待ちください（")
        waiting.first.wait_for()
        assert waiting.count() == 2  # both funded deals
        page.get_by_role("heading", name="お取引ごとの手数料").wait_for()
        rows = page.locator(".fees-table tbody tr")
        assert "%" in rows.first.inner_text()
        assert deal.invoice.invoice_number in rows.first.inner_text()
        assert older.invoice.invoice_number not in page.locator(".fees-table").inner_text()
        # the invoice number is not squeezed to a few characters a line on a phone
        number = rows.first.locator("td").first.bounding_box()
        assert number is not None
        assert number["height"] < 3 * 30, number
        page.get_by_text("新しい順に1件を表示しています。").wait_for()
        older_fees = page.get_by_role(
            "link", name="それ以前のお取引の手数料は取引明細で確認できます"
        )
        assert older_fees.is_visible()
        assert page.evaluate(NO_OVERFLOW), f"my page overflows on a {name}"
        page.screenshot(path=str(artifacts_dir / f"my-dashboard-{name}.png"), full_page=True)
        older_fees.click()
        page.get_by_role("heading", name="取引明細", exact=True).wait_for()
        page.get_by_text(older.invoice.invoice_number).first.wait_for()
        page.goto(live_server.url + "/my/")

        page.get_by_role("link", name="契約書の一覧").first.click()
        page.get_by_role("heading", name="契約書の一覧").wait_for()
        page.get_by_text("締結済み").first.wait_for()
        page.get_by_text("署名待ち").first.wait_for()
        assert page.evaluate(NO_OVERFLOW), f"the contracts list overflows on a {name}"

        page.goto(live_server.url + "/my/statement/")
        page.get_by_role("heading", name="取引明細", exact=True).wait_for()
        assert page.evaluate(NO_OVERFLOW), f"the statement page overflows on a {name}"
        with page.expect_download() as info:
            page.get_by_role("link", name="CSV をダウンロード").click()
        csv_text = Path(info.value.path()).read_text(encoding="utf-8-sig")
        assert csv_text.splitlines()[0].startswith("日付,お取引")
        context.close()
