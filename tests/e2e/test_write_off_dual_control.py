"""In a real browser: a treasury user proposes the write-off of an overdue purchased
receivable; the same user is refused approval (no button, and the page says why); a second
treasury user approves it and only then is the loss booked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.test_treasury_journey import _staff_context
from tests.integration.treasury.test_overdue import purchased
from urikake.ledger.models import LedgerEntry
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db(transaction=True)


def test_write_off_needs_a_second_treasury_user(
    browser: Any, live_server: Any, django_user_model: Any
) -> None:
    p = purchased("three_party")
    url = f"{live_server.url}/backoffice/treasury/overdue/{p.pk}/"

    proposer = _staff_context(browser, live_server, django_user_model, "first@staff.example")
    page = proposer.new_page()
    page.goto(url)
    section = page.get_by_role("region", name="償却（2名による承認）")
    section.get_by_label("理由（必須）").fill("破産手続開始決定の通知あり")
    section.get_by_label("内容を確認しました。この操作は取り消せません。").check()
    section.get_by_role("button", name="償却を申請する").click()
    page.locator("#write-off-pending", has_text="first@staff.example").wait_for()
    # The proposer sees no approve button, and is told why.
    page.get_by_text("ご自身の申請は承認できません").wait_for()
    assert page.get_by_role("button", name="償却を承認する").count() == 0
    assert not LedgerEntry.objects.filter(entry_id__in=[f"write_off:{p.pk}"]).exists()
    assert Position.objects.get(pk=p.pk).status == "open"

    approver = _staff_context(browser, live_server, django_user_model, "second@staff.example")
    second = approver.new_page()
    second.goto(url)
    second.locator("#write-off-pending", has_text="破産手続開始決定の通知あり").wait_for()
    section = second.get_by_role("region", name="償却（2名による承認）")
    section.get_by_label("理由（必須）", exact=True).fill("申請内容を確認")
    section.get_by_label("内容を確認しました。この操作は取り消せません。").check()
    section.get_by_role("button", name="償却を承認する").click()
    second.get_by_text("償却しました").wait_for()
    assert Position.objects.get(pk=p.pk).status == "written_off"
    assert LedgerEntry.objects.filter(entry_id=f"write_off:{p.pk}").exists()
    proposer.close()
    approver.close()
