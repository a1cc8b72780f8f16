"""In a real browser, journey (b) of issue 12: a guarantee (保証ファクタリング, 個別保証). The
client applies for a guarantee of one invoice; a reviewer grades the debtor and approves
(premium = guaranteed amount × the grade's rate, a 30-day waiting period); the client signs the
sealed contract and the guarantee starts; treasury records the premium paid; the debtor
defaults and the client files a claim with evidence; after the waiting period the reviewer
pays within coverage, the receivable is assigned to the platform and the payout leaves through
the dual-control batch. The trial balance balances."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.fixtures.clock import travel_to
from tests.integration.guarantees.helpers import PDF, client, invoice, staff, value_day
from tests.integration.treasury.helpers import approved
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.domain import ledger_guarantees as book
from urikake.guarantees.models import Claim, GuaranteeContract
from urikake.ledger import services as ledger
from urikake.receivables.models import Invoice
from urikake.treasury import payouts

pytestmark = pytest.mark.django_db(transaction=True)


def _context(browser: Any, live_server: Any, user: Any) -> Any:
    http = Client()
    http.force_login(user)
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": http.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


def _balance(account: str) -> int:
    rows = {r.account: r for r in ledger.trial_balance().rows}
    row = rows.get(account)
    return 0 if row is None else row.debit - row.credit


def test_guarantee_journey(
    live_server: Any, browser: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    base = live_server.url
    user, org = client()
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    inv = invoice(org, user, 1_100_000, number="INV-G-0001")
    reviewer, treasury = staff("reviewer"), staff("treasury")
    evidence = tmp_path / "bankruptcy-notice.pdf"
    evidence.write_bytes(PDF)
    today = timezone.localdate()

    # --- Client: apply --------------------------------------------------------------------
    me = _context(browser, live_server, user)
    page = me.new_page()
    page.goto(base + "/my/")
    page.get_by_role("link", name="保証ファクタリング").click()
    page.get_by_role("link", name="保証を申し込む").click()
    page.get_by_role("radio", name="個別保証").check()
    page.get_by_label("売掛先").select_option(str(inv.debtor_id))
    page.get_by_label("請求書（個別保証のみ）").select_option(str(inv.pk))
    page.get_by_label("ご希望の保証金額・保証極度額（円）").fill("1,000,000")
    page.get_by_label("保証開始日").fill(today.isoformat())
    page.get_by_label("保証終了日").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="申し込む").click()
    page.get_by_text("保証のお申込みを受け付けました").wait_for()
    contract = GuaranteeContract.objects.get(organization=org)

    # --- Reviewer: grade the debtor, approve (the exposure and limit are shown) -------------
    desk = _context(browser, live_server, reviewer)
    review = desk.new_page()
    review.goto(f"{base}/backoffice/guarantees/{contract.pk}/")
    review.locator("#debtor-limit", has_text="50,000,000").wait_for()
    form = review.locator("#decide-form")
    form.get_by_label("審査結果").select_option("approve")
    form.get_by_label("売掛先の信用格付け").select_option("normal")
    form.get_by_label("待機期間（日）").fill("30")
    form.get_by_role("button", name="審査結果を記録").click()
    review.get_by_text("審査結果を記録しました").wait_for()
    # Premium: 1,000,000 × 2% (normal grade) = 20,000.
    review.locator("#premium-charged", has_text="20,000").wait_for()
    review.screenshot(path=str(artifacts_dir / "guarantee-decided-desktop.png"), full_page=True)

    # --- Client: the sealed contract, the guarantee starts ----------------------------------
    page.goto(f"{base}/my/guarantees/{contract.pk}/")
    pdf = me.request.get(f"{base}/my/guarantees/{contract.pk}/contract.pdf")
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")
    page.get_by_label("契約書の内容を確認し、同意します。").check()
    page.get_by_role("button", name="契約を締結する").click()
    page.get_by_text("契約を締結しました").wait_for()
    page.locator("#guarantee-status", has_text="保証中").wait_for()
    page.locator("#premium-due", has_text="20,000").wait_for()
    signed = me.request.get(f"{base}/my/guarantees/{contract.pk}/contract.pdf")
    assert b"/ByteRange" in signed.body()  # PAdES-sealed
    assert _balance(book.MEMO) == -1_000_000  # the contingent liability while it runs

    # --- Treasury: the premium is paid ------------------------------------------------------
    ops = _context(browser, live_server, treasury)
    work = ops.new_page()
    work.goto(f"{base}/backoffice/guarantees/{contract.pk}/")
    premium = work.locator("#premium-form")
    premium.get_by_label("入金額（円）").fill("20000")
    premium.get_by_label("照会番号").fill("PR-0001")
    premium.get_by_role("button", name="入金を記録").click()
    work.get_by_text("保証料の入金を記録しました").wait_for()
    work.locator("#premium-paid", has_text="20,000").wait_for()

    # --- Client: the debtor defaults, a claim with evidence ----------------------------------
    page.goto(f"{base}/my/guarantees/{contract.pk}/")
    claim_form = page.locator("#claim-form")
    claim_form.get_by_label("支払不能の発生日").fill(today.isoformat())
    claim_form.get_by_label("未回収額（円）").fill("1,100,000")
    claim_form.get_by_label("事由（倒産・支払遅延の内容）").fill(
        "売掛先が破産手続開始の決定を受けた"
    )
    claim_form.get_by_label("証拠書類（PDF・PNG・JPEG、10MBまで）").set_input_files(str(evidence))
    claim_form.get_by_role("button", name="請求する").click()
    page.get_by_text("保証履行のご請求を受け付けました").wait_for()
    page.locator("#claims", has_text="受付（待機期間中）").wait_for()
    claim = Claim.objects.get(contract=contract)
    assert claim.evidence_type == "application/pdf"
    page.screenshot(path=str(artifacts_dir / "guarantee-claimed-desktop.png"), full_page=True)

    # --- 30 days later: paid within coverage, the receivable assigned ------------------------
    with travel_to(claim.payable_from):
        review.goto(f"{base}/backoffice/guarantees/{contract.pk}/")
        evidence_file = desk.request.get(
            f"{base}/backoffice/guarantees/claims/{claim.pk}/evidence/"
        )
        assert evidence_file.body() == PDF
        review.get_by_role("button", name="補償の範囲で支払う（債権を譲受け）").click()
        review.get_by_text("保証履行を決定しました").wait_for()
        # min(unpaid 1,100,000, guaranteed 1,000,000) × 100%.
        review.get_by_text("1,000,000").first.wait_for()
        batch = payouts.build_batch(acting_user=treasury, value_date=value_day(claim.payable_from))
        assert batch is not None
        assert batch.total_amount == 1_000_000
        payouts.mark_sent(approved(batch), acting_user=treasury)

        page.goto(f"{base}/my/guarantees/{contract.pk}/")
        page.locator("#claims", has_text="お支払い済み").wait_for()
        page.locator("#guaranteed-receivables", has_text="当社へ譲渡済み").wait_for()
        page.locator("#guarantee-status", has_text="保証履行済み").wait_for()
        page.screenshot(path=str(artifacts_dir / "guarantee-paid-desktop.png"), full_page=True)

    assert Invoice.objects.get(pk=inv.pk).status == Invoice.Status.ASSIGNED
    assert _balance(book.MEMO) == 0
    me.close()
    desk.close()
    ops.close()
    assert ledger.trial_balance().balanced
