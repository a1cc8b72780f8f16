"""The applicant's first day, in a real browser (issue 3, "done when").

Sign up → verification mail read from a real SMTP server → set the password → profile with a
valid 法人番号 → eKYC through the vendor simulator (over HTTP, signed webhook) → enable TOTP →
log out → log in with TOTP → add a payout account found by bank-name search → see the
sessions and revoke another one. Screenshots at phone (390×844) and desktop size are saved
under var/test/artifacts/journey-*.png.
"""

from __future__ import annotations

import json
import re
import struct
import time
import urllib.request
import zlib
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "hanako.journey@example.jp"
PASSWORD = "kaki-no-tane-to-ocha-2026"  # 25 characters: the rule without MFA is 15+


def tiny_png() -> bytes:
    """A real 1×1 PNG (the upload is sniffed, so it must be one)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


class Totp:
    """An authenticator app: a fresh code each time (allauth accepts each code only once)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.used: set[str] = set()

    def code(self) -> str:
        now = int(time.time()) // 30
        for counter in (now, now + 1, now - 1):  # the server accepts ±1 window
            code = format_hotp_value(hotp_value(self.secret, counter))
            if code not in self.used:
                self.used.add(code)
                return code
        raise AssertionError("no unused TOTP code left in this window")


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"journey-{name}.png"), full_page=True)


def new_page(browser: Any, base: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    context.set_default_timeout(20_000)
    blocked: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base) or r.request.url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.blocked = blocked  # type: ignore[attr-defined]
    return page


def log_in(page: Any, base: str, totp: Totp) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp.code())
    page.locator("main").get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/(my|onboarding)/"))


def complete_check_at_vendor(simulator: Any, result: str) -> None:
    """What the vendor's operator does: decide the pending check (over HTTP)."""
    (check,) = [c for c in simulator.checks() if c.status == "pending"]
    request = urllib.request.Request(
        f"{simulator.url}/_simulator/checks/{check.check_id}/complete",
        data=json.dumps({"result": result}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200


def test_sign_up_to_verified_applicant(
    live_server: Any,
    browser: Any,
    smtp_server: Any,
    ekyc_simulator: Any,
    settings: Any,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    base = live_server.url
    settings.SITE_URL = base  # links in mails, and where the eKYC vendor calls back
    page = new_page(browser, base, PHONE)

    # 1. Sign up with an e-mail address and agree to the terms.
    page.goto(base + "/")
    page.get_by_role("link", name="新規登録").click()
    page.fill("input[type=email]", EMAIL)
    page.get_by_label("利用規約に同意します").check()
    page.get_by_label("プライバシーポリシーに同意します").check()
    shot(page, artifacts_dir, "01-signup-phone")
    page.get_by_role("button", name="確認メールを送信").click()
    page.get_by_text("確認メールを送信しました").first.wait_for()

    # 2. The verification mail arrives over SMTP; its link leads to the password form.
    mail = smtp_server.wait_for(EMAIL)
    link = re.search(r"https?://\S+/signup/verify/\S+/", smtp_server.body(mail))
    assert link, smtp_server.body(mail)
    page.goto(link.group(0))
    page.get_by_label("パスワード", exact=True).fill(PASSWORD)
    page.get_by_label("パスワード（確認）").fill(PASSWORD)
    page.get_by_role("button", name="アカウントを作成").click()

    # 3. Profile: a corporation with a valid 法人番号 (a wrong check digit is refused first).
    page.wait_for_url(re.compile(r"/onboarding/"))
    page.goto(base + "/onboarding/profile/?kind=corporation")
    page.get_by_label("商号", exact=True).fill("株式会社はなこ商店")
    page.get_by_label("商号フリガナ").fill("カブシキガイシャハナコシヨウテン")
    page.get_by_label("法人番号").fill("1180301018772")
    page.get_by_label("代表者氏名").fill("山田 花子")
    page.get_by_label("所在地").fill("大阪府大阪市北区梅田1-1-1")
    page.get_by_label("業種").select_option("wholesale")
    page.get_by_label("設立年").select_option("2018")
    page.get_by_label("設立月").select_option("4")
    page.get_by_role("button", name="保存して次へ").click()
    page.get_by_text("チェックデジット").first.wait_for()
    page.get_by_label("法人番号").fill("1180301018771")
    page.get_by_role("button", name="保存して次へ").click()
    page.wait_for_url(re.compile(r"/onboarding/(?!profile)"))

    # 4. eKYC: upload an identity document; the vendor decides; the signed webhook lands.
    page.goto(base + "/my/kyc/")
    page.get_by_label("氏名").fill("山田 花子")
    page.get_by_label("生年月日").fill("1985-04-01")
    document = tmp_path / "menkyosho.png"
    document.write_bytes(tiny_png())
    page.get_by_label("本人確認書類").set_input_files(str(document))
    page.get_by_role("button", name="送信する").click()
    page.get_by_text("確認中").first.wait_for()
    complete_check_at_vendor(ekyc_simulator, "verified")
    page.reload()
    page.get_by_text("確認済み").first.wait_for()
    shot(page, artifacts_dir, "02-ekyc-verified-phone")

    # 5. Two-factor authentication with an authenticator app (TOTP).
    page.goto(base + "/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in page.url:  # changing MFA asks for the password again
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="確認する").click()
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    totp = Totp(secret)
    page.fill("input[name=code]", totp.code())
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/"))
    shot(page, artifacts_dir, "03-mfa-enabled-phone")

    # 6. Log out, then log in with password + TOTP.
    page.goto(base + "/my/")
    page.get_by_role("button", name="ログアウト").click()
    if "/accounts/logout/" in page.url:  # allauth asks to confirm a logout started by GET
        page.locator("main form button[type=submit]").last.click()
    log_in(page, base, totp)

    # 7. Payout account: find the bank and the branch by name, then confirm.
    page.goto(base + "/onboarding/payout/")
    page.get_by_label("金融機関名または金融機関コード").fill("みずほ")
    page.locator("a[href*='bank=0001']").first.click()
    page.wait_for_url(re.compile(r"bank=0001"))
    page.wait_for_load_state()
    page.get_by_label("支店名または支店コード").fill("東京営業部")
    page.locator("a[href*='branch=001']").first.click()
    page.get_by_label("口座番号").fill("1234567")
    page.get_by_label("口座名義").fill("カブシキガイシャハナコシヨウテン")
    page.get_by_role("button", name="確認へ進む").click()
    assert "ｶ)ﾊﾅｺｼﾖｳﾃﾝ" in page.content()
    page.get_by_role("button", name="この内容で登録する").click()
    page.get_by_text("保存しました").first.wait_for()
    page.goto(base + "/my/")
    assert "***4567" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, artifacts_dir, "04-my-page-phone")

    # 8. A second session on a desktop browser; the phone ends it from the session list.
    desktop = new_page(browser, base, DESKTOP)
    log_in(desktop, base, totp)
    desktop.goto(base + "/my/")
    shot(desktop, artifacts_dir, "05-my-page-desktop")
    page.goto(base + "/accounts/sessions/")
    assert page.locator("form input[name=action][value=revoke]").count() == 2
    shot(page, artifacts_dir, "06-sessions-phone")
    page.locator("form:has(input[value=revoke_others]) button").click()
    page.wait_for_load_state()
    assert page.locator("form input[name=action][value=revoke]").count() == 1
    desktop.goto(base + "/my/")
    assert "/accounts/login/" in desktop.url
    shot(desktop, artifacts_dir, "07-revoked-desktop")

    # Nothing in the journey reached beyond our own server (no CDN, works offline).
    assert page.blocked == []  # type: ignore[attr-defined]
    assert desktop.blocked == []  # type: ignore[attr-defined]
