"""Issue 11 in a real browser: two compliance officers (each logged in with a password and an
authenticator code) walk a new connection through the eight steps — one proposes each step,
the other confirms it — and the register then shows the approval number and validity."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_applicant_journey import Totp
from urikake.connections.models import Connection
from urikake.domain import connections as rules

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.connection_register]

PASSWORD = "x" * 20


def _officer(django_user_model: Any, email: str) -> Totp:
    user = django_user_model.objects.create_user(
        email=email, password=PASSWORD, is_staff=True, staff_role="compliance"
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return Totp(secret)


def _login(browser: Any, base: str, email: str, totp: Totp) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp.code())
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    return page


def test_two_officers_walk_the_eight_steps_and_the_register_shows_the_approval(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path
) -> None:
    base = live_server.url
    maker = _login(
        browser, base, "maker@staff.example", _officer(django_user_model, "maker@staff.example")
    )
    checker = _login(
        browser, base, "checker@staff.example", _officer(django_user_model, "checker@staff.example")
    )

    # --- Step 1: the maker registers the connection (目的・範囲) ---------------------------
    maker.goto(base + "/backoffice/")
    maker.get_by_role("link", name="接続許可").click()
    maker.get_by_role("link", name="新しい接続を登録").click()
    maker.get_by_label("接続名（英数字）").fill("partner_sftp")
    maker.get_by_label("名称").fill("債権データ連携（取引先SFTP）")
    maker.get_by_label("方向").select_option("outbound")
    maker.get_by_label("環境").select_option("production")
    maker.get_by_label("利用目的").fill("売掛債権データの受け渡し")
    maker.get_by_label("接続先（相手方）").fill("株式会社テスト商事")
    maker.get_by_label("接続先（FQDN・IP）").fill("sftp.partner.example")
    maker.get_by_role("button", name="登録する").click()
    maker.get_by_text("接続を台帳に登録しました").wait_for()
    detail = maker.url

    today = timezone.localdate()
    valid_to = today + timedelta(days=365)
    for step in range(8):
        row = Connection.objects.get(name="partner_sftp")
        stage = rules.Stage(row.stage)
        maker.goto(detail)
        maker.get_by_label("実施内容・所見").fill(f"{rules.STAGE_LABELS[stage]}を完了")
        if stage is rules.Stage.CONNECTIVITY_TEST:
            for label in (
                "疎通（接続できる）",
                "機能（正しい応答）",
                "エラー処理",
                "リトライ",
                "タイムアウト",
                "スループット・レイテンシ",
            ):
                maker.get_by_label(label).select_option("pass")
        if stage is rules.Stage.ACCEPTANCE:
            maker.get_by_label("接続許可番号").fill("SFTP-2026-0007")
            maker.get_by_label("有効開始日").fill(today.isoformat())
            maker.locator("#id_valid_to").fill(valid_to.isoformat())
            maker.get_by_label("運用合意（運用時間・障害連絡・変更管理・バックアップ）").fill(
                "平日9-18時、障害は即時連絡"
            )
        maker.get_by_role("button", name="承認を依頼する").click()
        maker.get_by_text("承認を依頼しました").wait_for()
        # the maker is not offered the approval of their own request
        assert maker.get_by_role("button", name="承認する").count() == 0

        checker.goto(detail)
        checker.get_by_role("button", name="承認する").click()
        checker.get_by_text("承認しました").wait_for()
        row.refresh_from_db()
        assert row.stage == rules.FORWARD[stage].value, f"step {step + 1}"

    checker.get_by_role("link", name="接続許可台帳").first.click()
    line = checker.locator("tr[data-connection=partner_sftp]")
    assert line.locator(".approval-number").inner_text() == "SFTP-2026-0007"
    assert line.locator(".validity").inner_text() == f"{today:%Y-%m-%d} 〜 {valid_to:%Y-%m-%d}"
    assert line.locator(".stage").inner_text() == "稼働中"
    checker.screenshot(path=str(artifacts_dir / "connections-register.png"), full_page=True)
    checker.goto(detail)
    timeline = checker.locator("#timeline").inner_text()
    assert "maker@staff.example" in timeline
    assert "checker@staff.example" in timeline
