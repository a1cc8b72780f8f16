"""In a real browser: an applicant verifies a mobile number with the code the SMS gateway
delivered, then follows a deal — offer, contract, signature, payout — and sees each step
arrive in the notification centre (the bell's count in the header), by mail (read from the
SMTP test server) and by SMS (read from the gateway simulator over HTTP)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.e2e.conftest import DESKTOP
from tests.fixtures.deals import make_deal, payment_history, verified_applicant
from tests.integration.contracts.conftest import PLATFORM_ACCOUNT
from tests.integration.notifications.helpers import choose
from tests.integration.treasury.helpers import approved, perfect
from urikake.applicants import services as applicant_services
from urikake.applicants import terms
from urikake.servicing.funding import fund_application
from urikake.treasury import payouts
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "x" * 20  # what tests.fixtures.deals gives its users
MOBILE = "+819012345678"


def test_offer_sign_and_paid_arrive_in_the_centre_by_mail_and_sms(
    live_server: Any,
    browser: Any,
    smtp_server: Any,
    sms_gateway: Any,
    settings: Any,
    django_user_model: Any,
    artifacts_dir: Path,
) -> None:
    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)
    base = live_server.url
    user, org = verified_applicant()
    payment_history(org, user)
    versions = terms.current_versions()
    applicant_services.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )

    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()

    # --- The mobile number, verified by the code the gateway delivered ----------------------
    page.goto(base + "/my/notifications/phone/")
    page.get_by_label("携帯電話番号").fill("090-1234-5678")
    page.get_by_role("button", name="確認コードを送信").click()
    page.get_by_text("確認コードをSMSで送りました").wait_for()
    sms = sms_gateway.wait_for(MOBILE, contains="確認コード")
    code = re.search(r"確認コード: (\d{6})", sms["body"]).group(1)  # type: ignore[union-attr]
    page.get_by_label("確認コード（6桁）").fill(code)
    page.get_by_role("button", name="確認する").click()
    page.get_by_text("携帯電話番号を確認しました").wait_for()
    page.get_by_text("確認済み", exact=True).wait_for()
    choose(org, email_screening=True, email_contract=True, email_payment=True, sms_important=True)

    # --- The offer (screening runs in the worker) -------------------------------------------
    deal = make_deal(user=user, organization=org)
    app = deal.application
    page.goto(base + "/my/")
    bell = page.locator("a.notification-bell")
    assert bell.locator(".badge").inner_text().strip() == "3"  # received, offer, contract
    bell.click()
    page.get_by_role("heading", name=re.compile("買取条件をご提示しました")).wait_for()
    page.screenshot(path=str(artifacts_dir / "notifications-centre-desktop.png"), full_page=True)
    smtp_server.wait_for(user.email, subject_contains="買取条件をご提示しました")
    sms_gateway.wait_for(MOBILE, contains="買取条件をご提示しました")

    # --- Sign the contract from the notification --------------------------------------------
    page.locator("li.notification", has_text="契約書のご署名をお願いします").get_by_role(
        "button", name="詳細を見る"
    ).click()
    page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/$"))
    page.get_by_role("link", name="内容を確認して署名する").click()
    if "/reauthenticate/" in page.url:
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="確認する").click()
        page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/sign/"))
    page.get_by_label(re.compile("同意します")).check()
    page.get_by_role("button", name="同意して署名する").click()
    page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/$"))
    smtp_server.wait_for(user.email, subject_contains="契約の締結が完了しました")

    # --- The operator perfects, funds and pays (tested in the browser elsewhere) ------------
    staff = []
    for email in ("ops@staff.example", "approver@staff.example"):
        s = django_user_model.objects.create_user(
            email=email, password="y" * 20, is_staff=True, staff_role="treasury"
        )
        EmailAddress.objects.create(user=s, email=email, verified=True, primary=True)
        TOTP.activate(s, generate_totp_secret())
        staff.append(s)
    app.refresh_from_db()
    deal.application = app
    perfect(deal, staff[0])
    fund_application(app, acting_user=staff[0])
    payout = Payout.objects.get(application=app)
    batch = payouts.build_batch(acting_user=staff[0], value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff[0])

    # --- Paid: in the centre, by mail and by SMS --------------------------------------------
    page.goto(base + "/my/notifications/")
    page.get_by_role("heading", name=re.compile("お振込みのお知らせ")).first.wait_for()
    html = page.content()
    assert html.index("お振込みのお知らせ") < html.index("契約の締結が完了しました")  # newest first
    paid = smtp_server.wait_for(user.email, subject_contains="お振込みのお知らせ")
    assert f"¥{payout.amount:,}" in smtp_server.body(paid)
    sms_gateway.wait_for(MOBILE, contains="お振込みのお知らせ")
    page.get_by_role("button", name="すべて既読にする").click()
    page.get_by_text("件のお知らせを既読にしました").wait_for()
    assert page.locator("a.notification-bell .badge").count() == 0
    page.screenshot(path=str(artifacts_dir / "notifications-read-desktop.png"), full_page=True)
    context.close()
