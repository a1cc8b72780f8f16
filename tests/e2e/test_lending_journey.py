"""In a real browser, journey (a) of issue 12: a revolving loan (根保証). The applicant applies
with two receivables and uploads the document set; a reviewer checks the documents, grades
the receivables and sets the limit; the applicant signs the sealed contract; the treasury
operator records the perfection and makes two draws against the receivables (their payouts
leave through the dual-control batch); 30 days later a debtor's payment into the designated
account arrives on the imported collection statement and is matched to the loan
automatically, repaying interest and principal; the month-end balance report is generated and the
applicant downloads and submits it. The trial balance balances."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import DESKTOP
from tests.fixtures.clock import travel_to
from tests.fixtures.deals import DEBTOR_PAYER
from tests.integration.lending.helpers import PDF, borrower, invoice, staff
from tests.integration.treasury.helpers import approved, statement_file
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.domain.lending import month_end
from urikake.ledger import services as ledger
from urikake.lending.models import BalanceReport, LoanFacility
from urikake.treasury import payouts

pytestmark = pytest.mark.django_db(transaction=True)


def _context(browser: Any, live_server: Any, user: Any) -> Any:
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


def test_revolving_loan_journey(
    live_server: Any, browser: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = live_server.url
    user, org = borrower()
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    invoice(org, user, 1_100_000, number="INV-A-0001")
    invoice(org, user, 2_200_000, number="INV-B-0002")
    reviewer, treasury = staff("reviewer"), staff("treasury")
    upload = tmp_path / "document.pdf"
    upload.write_bytes(PDF)

    # --- Applicant: apply and upload the document set ---------------------------------------
    me = _context(browser, live_server, user)
    page = me.new_page()
    page.goto(base + "/my/")
    page.get_by_role("link", name="売掛債権担保融資（融資）").click()
    page.get_by_role("link", name="融資を申し込む").click()
    page.get_by_label("根保証").check()
    page.get_by_label("ご希望の借入額・借入極度額（円）").fill("3,000,000")
    page.get_by_label("資金使途").fill("運転資金（仕入代金）")
    page.get_by_label(re.compile("INV-A-0001")).check()
    page.get_by_label(re.compile("INV-B-0002")).check()
    page.get_by_role("button", name="申し込む").click()
    page.get_by_text("融資のお申込みを受け付けました").wait_for()
    facility = LoanFacility.objects.get(organization=org)
    for label in (
        "商業登記簿謄本（履歴事項全部証明書）",
        "決算書",
        "債権譲渡担保対象売掛先明細書",
        "発注書・請求書・支払通知書など",
        "振込みを受けている預金通帳",
    ):
        page.get_by_label(re.compile("^書類")).select_option(label=label)
        page.get_by_label(re.compile("ファイル")).set_input_files(str(upload))
        page.get_by_role("button", name="アップロード").click()
        page.get_by_text("書類をアップロードしました").wait_for()
    page.screenshot(path=str(artifacts_dir / "lending-applied-desktop.png"), full_page=True)

    # --- Reviewer: documents, grades, the limit ---------------------------------------------
    desk = _context(browser, live_server, reviewer)
    review = desk.new_page()
    review.goto(f"{base}/backoffice/lending/{facility.pk}/")
    for _ in range(5):
        form = review.locator("form[action$='/check/']").first
        form.locator("select[name=accepted]").select_option("1")
        form.get_by_role("button", name="記録").click()
        review.get_by_text("書類の確認結果を記録しました").wait_for()
    for number in ("INV-A-0001", "INV-B-0002"):
        form = review.get_by_role("form", name=number)
        form.locator("select[name=grade]").select_option("high")
        form.locator("select[name=method]").select_option("consent")
        form.get_by_role("button", name="評価を保存").click()
        review.get_by_text("担保評価を更新しました").wait_for()
    review.get_by_label("判断").select_option("1")
    review.get_by_label("貸付利率（年%）").fill("2.5")
    review.get_by_label("資金需要・返済能力・経営計画から決めた額（円）").fill("3000000")
    review.get_by_label("その額の根拠").fill("月商と回収サイトから")
    review.get_by_label("審査コメント").fill("売上が安定し回収期間が短い")
    review.get_by_role("button", name="審査結果を記録").click()
    review.get_by_text("審査結果を記録しました").wait_for()
    # The limit: min(collateral 3,300,000 × 90%, the cap, the decided amount), with reasons.
    review.locator("#loan-amount", has_text="2,970,000").wait_for()
    review.get_by_text("担保価値（売掛債権額×掛け目）").wait_for()
    review.screenshot(path=str(artifacts_dir / "lending-decided-desktop.png"), full_page=True)

    # --- Applicant: the contract ------------------------------------------------------------
    page.goto(f"{base}/my/loans/{facility.pk}/")
    pdf = me.request.get(f"{base}/my/loans/{facility.pk}/contract.pdf")
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")
    page.get_by_label("契約書の内容を確認し、同意します。").check()
    page.get_by_role("button", name="契約を締結する").click()
    page.get_by_text("契約を締結しました").wait_for()
    page.locator("#loan-status", has_text="契約締結済み").wait_for()

    # --- Treasury: perfection and two draws -------------------------------------------------
    ops = _context(browser, live_server, treasury)
    work = ops.new_page()
    work.goto(f"{base}/backoffice/lending/{facility.pk}/")
    work.get_by_role("button", name="具備を記録").click()
    work.get_by_text("対抗要件の具備を記録しました").wait_for()
    work.get_by_label("融資額（円）").fill("1,000,000")
    work.get_by_role("button", name="融資を実行").click()
    work.get_by_text("融資を実行しました").wait_for()
    work.get_by_label("融資額（円）").fill("1500000")
    work.get_by_role("button", name="融資を実行").click()
    work.get_by_text("融資を実行しました").wait_for()
    work.locator("#loan-outstanding", has_text="2,500,000").wait_for()
    work.locator("#loan-available", has_text="470,000").wait_for()
    batch = payouts.build_batch(acting_user=treasury)
    assert batch is not None
    assert batch.total_amount == 977_280 + 1_500_000  # the guarantee fee 22,720 deducted
    payouts.mark_sent(approved(batch), acting_user=treasury)

    # --- 30 days later: the debtor pays into the designated account; the operator imports
    # the collection statement and the payment is matched to the loan automatically --------
    # Interest runs from the 融資実行日: the day the money arrives (the next business day
    # when this runs after the bank's cut-off), the same for both draws.
    assert {d.drawn_on for d in facility.draws.all()} == {batch.value_date}
    later = batch.value_date + timedelta(days=30)
    with travel_to(later):
        statement = tmp_path / "collection-statement.txt"
        statement.write_bytes(statement_file([(later, 1_100_000, DEBTOR_PAYER)]))
        work.goto(f"{base}/backoffice/treasury/deposits/")
        work.get_by_label("回収口座の明細ファイル").set_input_files(str(statement))
        work.get_by_role("button", name="取り込んで自動消込する").click()
        work.get_by_text("自動消込 1件").wait_for()
        collected = facility.collateral.get(invoice__invoice_number="INV-A-0001")
        collected.refresh_from_db()
        assert collected.status == "collected"
        work.goto(f"{base}/backoffice/lending/{facility.pk}/")
        # 2,500,000 × 2.5% × 30/365 = 5,136 interest; the rest repays principal.
        work.locator("#repayments", has_text="5,136").wait_for()
        work.locator("#repayments", has_text="1,094,864").wait_for()
        work.locator("#loan-outstanding", has_text="1,405,136").wait_for()
        period_end = month_end(later.year, later.month)
        work.get_by_label("基準日（月末）").fill(period_end.isoformat())
        work.get_by_role("button", name="作成する").click()
        work.get_by_text("残高報告書を作成しました").wait_for()
        work.screenshot(path=str(artifacts_dir / "lending-repaid-desktop.png"), full_page=True)

        # --- Applicant: the report ---------------------------------------------------------
        page.goto(f"{base}/my/loans/{facility.pk}/")
        report = BalanceReport.objects.get(facility=facility)
        csv_response = me.request.get(f"{base}/my/loans/reports/{report.pk}/csv/")
        assert csv_response.ok
        text = csv_response.body().decode("utf-8-sig")
        assert "INV-B-0002" in text
        assert "1405136" in text
        page.get_by_role("button", name="内容を確認して提出する").click()
        page.get_by_text("残高報告を提出しました").wait_for()
        page.locator("#reports", has_text="提出済み").wait_for()
        page.screenshot(path=str(artifacts_dir / "lending-report-desktop.png"), full_page=True)

    me.close()
    desk.close()
    ops.close()
    assert ledger.trial_balance().balanced
