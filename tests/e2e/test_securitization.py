"""Issue 13 in a real browser: the demo's structuring user (password + authenticator) builds
a pool FROM THE DEMO's book of open, perfected positions (``urikake demo``), sizes the senior
tranche for a target, sees the loss histogram and the cost comparison, saves the structure
and downloads the investor report (a real PDF)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from pypdf import PdfReader

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_applicant_journey import Totp
from urikake.securitization import services
from urikake.securitization.models import Pool
from urikake.system.demo import PASSWORD as DEMO_PASSWORD
from urikake.system.demo import load_demo_data

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "structuring@demo.urikake.example"


def _enrol_authenticator(django_user_model: Any, email: str) -> Totp:
    # Staff must have a second factor; the demo login enrols one on first use.
    user = django_user_model.objects.get(email=email)
    assert EmailAddress.objects.filter(user=user, verified=True).exists()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return Totp(secret)


def test_structuring_user_builds_sizes_and_reports(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path
) -> None:
    load_demo_data()
    eligible = [
        c
        for c in services.candidates()
        if c.perfected and not c.clause_unreleased and c.due_date >= timezone.localdate()
    ]
    assert len(eligible) >= 40, "the demo book is the pool's material"
    totp = _enrol_authenticator(django_user_model, EMAIL)
    base = live_server.url

    context = browser.new_context(viewport=DESKTOP, locale="ja-JP", accept_downloads=True)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", EMAIL)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp.code())
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()

    page.goto(base + "/backoffice/")
    page.get_by_role("link", name="証券化").click()
    page.get_by_label("名称").fill("2026年12月 売掛債権プール")
    page.get_by_label("方式").select_option("pool")
    page.get_by_label("1社あたりの上限（%）").fill("10")
    page.get_by_role("button", name="プールを作成する").click()
    page.get_by_text("プールを作成しました").wait_for()
    pool = Pool.objects.get()
    # Every eligible demo position is in, across the demo's debtors; the largest are cut to
    # the 10% limit (excess-concentration haircut).
    assert pool.items.count() == len(eligible)
    assert pool.items.values("debtor_key").distinct().count() >= 8
    assert pool.balance < pool.sold_balance
    # The analysis names the assumption version it used (a flushed test database has none:
    # the built-in defaults, 初期値).
    used = page.locator("#assumption-version").inner_text()
    assert ("第1版" if pool.assumptions else "初期値") in used

    # The loss histogram (server-rendered SVG) and the tranche table.
    assert page.locator("svg#loss-histogram, #loss-histogram svg, svg").first.is_visible()
    assert page.locator("#tranches").get_by_text("優先").is_visible()
    assert page.get_by_text("リスクの移転は限定的").is_visible()

    # Size the senior tranche for a 1% probability of any loss, then save it.
    page.get_by_label("目標の指標").select_option("pd")
    page.get_by_label("目標（%）").fill("1")
    page.get_by_role("button", name="計算する").click()
    sized = page.locator("#sized")
    sized.wait_for()
    share = re.search(r"([\d.]+)%", sized.inner_text())
    assert share is not None
    assert page.get_by_label("優先部分（%）").input_value() == share.group(1)
    page.get_by_role("button", name="ストラクチャーを保存する").click()
    page.get_by_text("ストラクチャーを保存しました").wait_for()
    pool.refresh_from_db()
    assert float(pool.senior_share * 100) == pytest.approx(float(share.group(1)))

    # The cost comparison: securitization, factoring and a loan side by side.
    table = page.locator("#cost-comparison")
    for label in ("証券化", "ファクタリング（買取）", "売掛債権担保融資"):
        assert table.get_by_text(label, exact=True).is_visible()
    page.screenshot(path=str(artifacts_dir / "securitization-pool.png"), full_page=True)

    # The investor report for the first period.
    with page.expect_download() as info:
        page.locator("#cash-flows").get_by_role("link", name="PDF").first.click()
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert b"%%EOF" in pdf[-1024:]
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "投資家報告書" in text
    assert pool.name in text
    context.close()
