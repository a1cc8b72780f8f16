"""In a real browser, journey (c) of issue 12: bulk factoring (一括ファクタリング). A buyer
uploads 100 payables to three suppliers by CSV on its page; each supplier signs the sealed
three-party agreement and has one receivable paid early after seeing the discount and the
APR-equivalent; the early payouts leave through the dual-control batch; on the due date the
treasury operator records the buyer's single payment on the back-office page, and the rest
is paid in ONE 全銀 総合振込 file that the project's own parser (validator) accepts. The trial
balance balances."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.fixtures.clock import travel_to
from tests.integration.bulk.helpers import (
    SUPPLIER_NUMBERS,
    business_day,
    buyer,
    hundred_payables,
    supplier,
)
from tests.integration.lending.helpers import staff
from tests.integration.treasury.helpers import approved
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.bulk.models import Payable
from urikake.domain.zengin_transfer import parse_transfer_file
from urikake.ledger import services as ledger
from urikake.treasury import payouts

pytestmark = pytest.mark.django_db(transaction=True)


def _context(browser: Any, live_server: Any, user: Any) -> Any:
    if not user.is_staff:
        versions = terms.current_versions()
        applicant_services.give_consent(
            acting_user=user,
            ip=None,
            terms_version=versions["terms"],
            privacy_version=versions["privacy"],
        )
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
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


def test_bulk_factoring_journey(
    live_server: Any, browser: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = live_server.url
    reviewer, treasury = staff("reviewer"), staff("treasury")
    buyer_user, _buyer_org, program = buyer(reviewer)
    suppliers = [
        supplier(program, reviewer, f"S{i + 1}", number=SUPPLIER_NUMBERS[i], sign=False)
        for i in range(3)
    ]
    due = business_day(45)
    upload = tmp_path / "payables.csv"
    upload.write_bytes(hundred_payables([s for _, _, s in suppliers], due))

    # --- Buyer: upload 100 payables -----------------------------------------------------------
    me = _context(browser, live_server, buyer_user)
    page = me.new_page()
    page.goto(base + "/my/")
    page.get_by_role("link", name="一括ファクタリング", exact=True).click()
    page.get_by_role("link", name="支払予定をCSVで登録する").click()
    page.get_by_label("支払予定のCSVファイル").set_input_files(str(upload))
    page.get_by_role("button", name="取り込む").click()
    page.get_by_text("支払予定を100件取り込みました").wait_for()
    page.locator("#due-dates", has_text="50,500,000").wait_for()
    page.screenshot(path=str(artifacts_dir / "bulk-uploaded-desktop.png"), full_page=True)
    assert Payable.objects.filter(program=program).count() == 100

    # --- Three suppliers: agree once, then one early payment each ---------------------------
    for user, _org, s in suppliers:
        ctx = _context(browser, live_server, user)
        sp = ctx.new_page()
        sp.goto(base + "/my/bulk/")
        sp.get_by_role("link", name="株式会社買主 様への売掛金").click()
        sp.get_by_label("契約書の内容を確認し、同意します。").check()
        sp.get_by_role("button", name="契約に同意する").click()
        sp.get_by_text("一括ファクタリング契約に同意しました").wait_for()
        first = Payable.objects.filter(supplier=s).order_by("pk").first()
        assert first is not None
        sp.get_by_role("link", name=f"{first.invoice_number} を早く受け取る").click()
        sp.locator("#apr").wait_for()
        sp.locator("#discount").wait_for()
        sp.get_by_label("割引料と実質年率を確認し、早期支払を申し込みます。").check()
        sp.get_by_role("button", name="早期支払を申し込む").click()
        sp.get_by_text("早期支払を受け付けました").wait_for()
        sp.locator("#receivables", has_text="早期支払済み").wait_for()
        ctx.close()
    early = list(Payable.objects.filter(program=program, status="early"))
    assert len(early) == 3
    bought = sum(p.amount for p in early)
    today = timezone.localdate()
    batch = payouts.build_batch(
        acting_user=treasury, now=timezone.make_aware(datetime.combine(today, time(8, 0)))
    ) or payouts.build_batch(acting_user=treasury, value_date=business_day(1))
    assert batch is not None
    assert batch.total_count == 3
    payouts.mark_sent(approved(batch), acting_user=treasury)

    # --- The due date: the buyer pays once, the rest is paid in one file --------------------
    total = 50_500_000
    with travel_to(due):
        ops = _context(browser, live_server, treasury)
        work = ops.new_page()
        work.goto(f"{base}/backoffice/bulk/{program.pk}/")
        form = work.locator("#settle-form")
        form.get_by_label("支払期日").fill(due.isoformat())
        form.get_by_label("入金日").fill(due.isoformat())
        form.get_by_label("入金額（円）").fill(str(total))
        form.get_by_label("照会番号").fill("BUYER-0001")
        form.get_by_role("button", name="入金を記録する").click()
        work.get_by_text("支払企業の入金を記録し").wait_for()
        work.locator("#due-dates", has_text="決済済み").wait_for()
        work.screenshot(path=str(artifacts_dir / "bulk-settled-desktop.png"), full_page=True)
        batch = payouts.build_batch(
            acting_user=treasury,
            value_date=due,
            now=timezone.make_aware(datetime.combine(due, time(9, 0))),
        )
        assert batch is not None
        _, _, transfers = parse_transfer_file(bytes(batch.file_content))
        assert len(transfers) == 3  # one line per supplier, in ONE file
        assert sum(t.amount for t in transfers) == total - bought
        payouts.mark_sent(approved(batch), acting_user=treasury)
        ops.close()
    me.close()
    assert Payable.objects.filter(program=program, status="settled").count() == 97
    assert ledger.trial_balance().balanced
    assert ledger.unbalanced_entries() == []
