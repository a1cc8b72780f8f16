"""In a real browser: the applicant signs the contracts of an accepted offer (re-entering the
password); the treasury operator perfects the assignment, funds the deal and prepares the
全銀 file — which a second treasury user must approve (the preparer cannot) before it can be
downloaded or sent — imports the bank statement with the debtor's payment — reconciled
automatically — pays the released holdback (on a bank business day once the money is in) and
sees a balanced trial balance. The signed PDF downloaded by the applicant's browser is
verified by poppler's pdfsig."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.fixtures.deals import DEBTOR_PAYER, make_deal
from tests.integration.treasury.helpers import paid_on, statement_file
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.domain.bank_calendar import is_bank_business_day
from urikake.ledger import services as ledger
from urikake.servicing.models import Position
from urikake.treasury.models import Payout, PayoutBatch
from urikake.treasury.policy import next_value_date

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "x" * 20  # what tests.fixtures.deals gives its users


def _staff_context(
    browser: Any, live_server: Any, django_user_model: Any, email: str = "ops@staff.example"
) -> Any:
    """A treasury operator's browser session (MFA enrolled; logged in through the session)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings

    staff = django_user_model.objects.create_user(
        email=email, password="y" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, generate_totp_secret())
    client = Client()
    client.force_login(staff)
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


def test_sign_perfect_fund_collect_and_balance(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = live_server.url
    deal = make_deal(product="three_party", amount=3_300_000, due_days=40)
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=deal.user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    app = deal.application

    # --- Applicant: review and sign ---------------------------------------------------------
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", deal.user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()
    page.goto(f"{base}/my/contracts/{app.pk}/")
    page.get_by_text("債権売買契約書").first.wait_for()
    page.get_by_role("link", name="内容を確認して署名する").click()
    if "/reauthenticate/" in page.url:
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="確認する").click()
        page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/sign/"))
    page.get_by_label(re.compile("同意します")).check()
    page.get_by_role("button", name="同意して署名する").click()
    page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/$"))
    page.screenshot(path=str(artifacts_dir / "contracts-signed-desktop.png"), full_page=True)
    link = page.get_by_role("link", name="署名済みPDF").first
    pdf = context.request.get(base + link.get_attribute("href"))
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(pdf.body())
    pdfsig = shutil.which("pdfsig")
    assert pdfsig, "poppler-utils (pdfsig) must be installed"
    report = subprocess.run([pdfsig, str(signed)], capture_output=True, text=True, timeout=60)
    assert "Signature is Valid." in report.stdout, report.stdout + report.stderr
    context.close()

    # --- Operator: perfection, funding, the payout file -------------------------------------
    ops = _staff_context(browser, live_server, django_user_model)
    page = ops.new_page()
    today = timezone.localdate().isoformat()
    page.goto(f"{base}/backoffice/treasury/deals/{app.pk}/")
    page.get_by_label("手続き").select_option("notice_sent")
    page.get_by_label(re.compile("^日付")).fill(today)
    page.get_by_label("確定日付").fill(today)
    page.get_by_role("button", name="記録する").click()
    page.get_by_text("通知発送済み").first.wait_for()
    page.get_by_label("手続き").select_option("notice_delivered")
    page.get_by_label(re.compile("^日付")).fill(today)
    page.get_by_role("button", name="記録する").click()
    page.locator("#perfection-stage", has_text="具備済み").wait_for()
    page.get_by_role("button", name="買取を計上して送金を予約する").click()
    page.get_by_text("送金（").first.wait_for()

    approver = _staff_context(browser, live_server, django_user_model, "approver@staff.example")
    second = approver.new_page()

    def send_batch(value_date: date) -> None:
        # The preparer makes the file; it waits for approval and cannot leave yet.
        page.goto(base + "/backoffice/treasury/payouts/")
        page.get_by_label("振込指定日").fill(value_date.isoformat())
        page.get_by_role("button", name="総合振込データを作成する").click()
        page.get_by_text("再作成したデータと完全に一致").wait_for()
        page.locator("#batch-status", has_text="承認待ち").wait_for()
        assert page.locator("#download-batch").count() == 0
        assert page.get_by_role("button", name=re.compile("送信済みにする")).count() == 0
        batch_url = page.url
        batch_id = int(re.search(r"/batches/(\d+)/", batch_url).group(1))  # type: ignore[union-attr]
        early = ops.request.get(f"{base}/backoffice/treasury/batches/{batch_id}/file")
        assert "attachment" not in early.headers.get("content-disposition", "")
        # The preparer tries to approve its own batch: refused, in Japanese.
        page.get_by_role("button", name="内容を確認して承認する").click()
        page.get_by_text("同じデータを承認できません").wait_for()
        page.locator("#batch-status", has_text="承認待ち").wait_for()
        # A second treasury user sees it pending, and approves.
        second.goto(base + "/backoffice/treasury/")
        assert second.locator("#batches-awaiting-approval").inner_text().strip() == "1"
        second.goto(batch_url)
        second.locator("#batch-prepared-by", has_text="ops@staff.example").wait_for()
        second.get_by_role("button", name="内容を確認して承認する").click()
        second.get_by_text("承認しました").wait_for()
        second.locator("#batch-approved-by", has_text="approver@staff.example").wait_for()
        # Now the preparer downloads the file and marks it sent.
        page.goto(batch_url)
        page.locator("#batch-status", has_text="承認済み").wait_for()
        with page.expect_download() as download:
            page.locator("#download-batch").click()
        content = Path(download.value.path()).read_bytes()
        assert content == bytes(PayoutBatch.objects.get(pk=batch_id).file_content)
        page.get_by_role("button", name=re.compile("送信済みにする")).click()
        page.locator("#batch-status", has_text="送信済み").wait_for()

    # After the screening's noon cut-off the offer pays out on the next business day.
    advance = Payout.objects.get(application=app, status=Payout.Status.PENDING)
    send_batch(max(next_value_date(), advance.requested_for))
    page.screenshot(path=str(artifacts_dir / "treasury-batch-desktop.png"), full_page=True)

    # --- The bank statement with the debtor's payment (fee deducted) ------------------------
    purchase = Position.objects.get(application=app)
    statement = tmp_path / "nyushukkin.txt"
    arrived = paid_on(purchase)  # the due date, or today while that is still ahead
    statement.write_bytes(statement_file([(arrived, purchase.face_amount - 440, DEBTOR_PAYER)]))
    page.goto(base + "/backoffice/treasury/deposits/")
    page.get_by_label("回収口座の明細ファイル").set_input_files(str(statement))
    page.get_by_role("button", name="取り込んで自動消込する").click()
    page.get_by_text("自動消込 1件").wait_for()
    page.goto(base + "/backoffice/treasury/deposits/?status=auto")
    page.locator("#deposits .status", has_text="自動消込").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "treasury-reconciled-desktop.png"), full_page=True)

    # --- The holdback goes back to the client; the books balance ----------------------------
    refund = Payout.objects.get(kind="reserve", status="pending")
    assert is_bank_business_day(refund.requested_for)
    assert refund.requested_for >= max(arrived, timezone.localdate())
    send_batch(max(next_value_date(), refund.requested_for))
    page.goto(base + "/backoffice/ledger/")
    page.get_by_text("貸借一致").first.wait_for()
    page.screenshot(path=str(artifacts_dir / "treasury-trial-balance-desktop.png"), full_page=True)
    ops.close()
    approver.close()
    app.refresh_from_db()
    assert app.status == "settled"
    assert ledger.trial_balance().balanced
