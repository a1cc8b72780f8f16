"""Issue 10, "done when": the applicant's whole road — sign-up → offer → sign → paid — in a
real browser, once in Japanese and once in English.

The applicant signs up through the real sign-up page, confirms the address from the mail
read off the SMTP test server, enters the company (a wrong 法人番号 first: the domain's error
reads in the page's language), passes eKYC at the vendor simulator, verifies the mobile number
with the code the SMS simulator delivered, chooses notifications, registers a payout account,
a debtor and a PDF invoice, applies, accepts the offer and signs the contract; the operator
perfects, funds and pays (through the services: the back-office steps have browser tests of
their own). Every page the applicant sees is checked for raw codes with the rules of
``tests/integration/test_page_language.py`` — and in English for any Japanese that is not
data the applicant typed. Each notification of the road arrives exactly once by mail (in the
journey's language), by SMS when the event is important enough for SMS, and in the centre.

Selectors are language-neutral (field names, form actions) so one script drives both.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone, translation

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_applicant_journey import complete_check_at_vendor, tiny_png
from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    DEBTOR_PAYER,
    payment_history,
)
from tests.fixtures.invoice_pdf import make_invoice_pdf
from tests.fixtures.pages import visible_text
from tests.integration.contracts.conftest import PLATFORM_ACCOUNT
from tests.integration.test_page_language import JAPANESE, raw_codes
from tests.integration.treasury.helpers import approved, perfect
from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.domain.invoices import TaxBreakdown
from urikake.notifications.events import EVENTS, title_of
from urikake.notifications.models import Notification
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application
from urikake.servicing.funding import fund_application
from urikake.treasury import payouts
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "kaki-no-tane-to-ocha-2026"
MOBILE = "+819012345678"
COMPANY = "株式会社はなこ商店"
COMPANY_KANA = "カブシキガイシャハナコシヨウテン"
REPRESENTATIVE = "山田 花子"
ADDRESS = "大阪府大阪市北区梅田1-1-1"
# What the applicant typed or the bank directory names: data, shown as is in every language.
DATA = (
    COMPANY,
    COMPANY_KANA,
    REPRESENTATIVE,
    ADDRESS,
    DEBTOR_NAME,
    DEBTOR_KANA,
    DEBTOR_PAYER,
    "ｶ)ﾊﾅｺｼﾖｳﾃﾝ",
    "みずほ銀行",
    "東京営業部",
    "みずほ",
    "ミズホ",
    "トウキヨウ",
    # Examples of Japanese input in the English help texts, and the operator's own
    # registered name and address (the footer): Japanese by nature.
    "株式会社ウリカケ",
    "カブシキガイシャウリカケ",
    "東京都港区六本木1-1-1",
    "株式会社",
    "山田 太郎",
    "ｶ)",
    "ウリカケ",
    "・",  # the Japanese middle dot used as a list separator
)
# Japanese an English page still shows, known and reported (issue 10): the reason of a credit
# line is written by the domain core in Japanese and stored as text (plans.CreditLineChange
# .reason); it needs a code and values stored with it to be shown in English.
# The road's notifications (perfection is on the road of a three-party deal).
ROAD = (
    "application_received",
    "offer_made",
    "contract_ready",
    "contract_signed",
    "perfection_done",
    "payout_sent",
)


class Walker:
    """Drives the page and checks every page it lands on."""

    def __init__(self, page: Any, base: str, language: str, artifacts: Path) -> None:
        self.page, self.base, self.language, self.artifacts = page, base, language, artifacts
        self.findings: list[str] = []
        self.seen: list[str] = []

    def check(self) -> None:
        self.page.wait_for_load_state()
        url = self.page.url.removeprefix(self.base)
        html = self.page.content()
        assert f'<html lang="{self.language}"' in html, (url, html[:300])
        # the language switch names each language in itself (「日本語」 on an English page)
        nodes = [n for n in visible_text(html) if n != "日本語"]
        found = raw_codes(nodes, self.language, "applicant", url)
        if self.language == "en":
            for node in nodes:
                rest = node
                for data in DATA:
                    rest = rest.replace(data, "")
                if JAPANESE.search(rest):
                    found.append(f"Japanese {node!r}")
        self.findings += [f"{url}: {f}" for f in found]
        self.seen.append(url)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.check()

    def submit(self, form: str = "main form[method=post]", button: str = "[type=submit]") -> None:
        with self.page.expect_navigation():
            self.page.locator(form).locator(button).last.click()
        self.check()

    def shot(self, name: str) -> None:
        path = self.artifacts / f"bilingual-{self.language}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)


def _mails_titled(smtp_server: Any, email: str, title: str) -> list[Any]:
    return [m for m in smtp_server.messages if email in str(m["To"]) and title in str(m["Subject"])]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_sign_up_to_paid_in_the_readers_language(
    language: str,
    live_server: Any,
    browser: Any,
    smtp_server: Any,
    sms_gateway: Any,
    ekyc_simulator: Any,
    settings: Any,
    django_user_model: Any,
    artifacts_dir: Path,
    tmp_path: Path,
) -> None:
    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)
    base = live_server.url
    settings.SITE_URL = base
    email = f"hanako.{language}@example.jp"
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    w = Walker(context.new_page(), base, language, artifacts_dir)
    page = w.page

    # --- The top page, in the reader's language (the header's switch) ---------------------
    page.goto(base + "/")
    page.locator("form.lang-switch select").select_option(language)
    w.submit("form.lang-switch", "button")

    # --- Sign up; the confirmation mail, in that language, over SMTP -----------------------
    w.goto("/signup/")
    page.fill("input[name=email]", email)
    page.check("input[name=agree_terms]")
    page.check("input[name=agree_privacy]")
    w.submit()
    mail = smtp_server.wait_for(email)
    body = smtp_server.body(mail)
    assert not JAPANESE.search(str(mail["Subject"]) + body) if language == "en" else True
    link = re.search(r"https?://\S+/signup/verify/\S+/", body)
    assert link, body
    page.goto(link.group(0))
    w.check()
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    w.submit()
    user = User.objects.get(email=email)
    assert user.preferred_language == language

    # --- The company: a wrong check digit is refused in the page's language ----------------
    w.goto("/onboarding/profile/?kind=corporation")
    page.fill("input[name=name]", COMPANY)
    page.fill("input[name=name_kana]", COMPANY_KANA)
    page.fill("input[name=corporate_number]", "0180301018772")  # check digit 9, not 0
    page.fill("input[name=representative_name]", REPRESENTATIVE)
    page.fill("[name=address]", ADDRESS)
    page.select_option("select[name=industry]", "wholesale")
    page.select_option("select[name=established_year]", "2018")
    page.select_option("select[name=established_month]", "4")
    w.submit()
    error = page.locator(".errorlist").first.inner_text()
    assert ("チェックデジット" in error) == (language == "ja"), error
    page.fill("input[name=corporate_number]", "9180301018772")
    w.submit()
    page.wait_for_url(re.compile(r"/onboarding/(?!profile)"))
    org = Organization.objects.get(name=COMPANY)

    # --- eKYC at the vendor simulator -------------------------------------------------------
    w.goto("/my/kyc/")
    page.fill("input[name=full_name]", REPRESENTATIVE)
    page.fill("input[name=birth_date]", "1985-04-01")
    document = tmp_path / "menkyosho.png"
    document.write_bytes(tiny_png())
    page.set_input_files("input[name=document]", str(document))
    w.submit("main form[enctype='multipart/form-data']")
    complete_check_at_vendor(ekyc_simulator, "verified")
    w.goto("/my/kyc/")

    # --- The mobile number, verified by the code the SMS simulator received -----------------
    w.goto("/my/notifications/phone/")
    page.fill("input[name=phone]", "090-1234-5678")
    w.submit("main form:has(input[name=action][value=send])")
    sms = sms_gateway.wait_for(MOBILE)
    code = re.search(r"\b(\d{6})\b", sms["body"]).group(1)  # type: ignore[union-attr]
    assert ("確認コード" in sms["body"]) == (language == "ja"), sms["body"]
    page.fill("input[name=code]", code)
    w.submit("main form:has(input[name=action][value=confirm])")

    # --- Which notices, and how --------------------------------------------------------------
    w.goto("/onboarding/notifications/")
    for name in ("email_screening", "email_contract", "email_payment", "sms_important"):
        page.check(f"input[name={name}]")
    w.submit()

    # --- The payout account (bank and branch chosen by code) -----------------------------------
    w.goto("/onboarding/payout/?bank=0001&branch=001")
    page.fill("input[name=account_number]", "1234567")
    page.fill("input[name=holder_name]", COMPANY_KANA)
    w.submit()
    assert "ｶ)ﾊﾅｺｼﾖｳﾃﾝ" in page.content()  # the confirmation page: the holder as banks write it
    w.submit(button="button[name=confirmed]")
    assert page.locator("main .errorlist").count() == 0, page.locator("main").inner_text()

    # --- A year of the debtor's payments (the bank statement; its import has its own
    # browser test), the debtor and the PDF invoice ---------------------------------------------
    payment_history(org, user)
    w.goto("/my/debtors/")
    page.fill("input[name=name]", DEBTOR_NAME)
    page.fill("input[name=name_kana]", DEBTOR_KANA)
    page.fill("input[name=corporate_number]", DEBTOR_CORPORATE_NUMBER)
    w.submit("main form.card")
    assert page.locator("main .errorlist").count() == 0, page.locator("main").inner_text()
    today = timezone.localdate()
    invoice_file = tmp_path / "seikyusho.pdf"
    invoice_file.write_bytes(
        make_invoice_pdf(
            debtor_name=DEBTOR_NAME,
            invoice_number=f"INV-{language.upper()}-1101",
            issue_date=today - timedelta(days=2),
            due_date=today + timedelta(days=45),
            date_style="kanji",
            tax_breakdown=(TaxBreakdown(Decimal("0.10"), 1_000_000, 100_000),),
        )
    )
    w.goto("/my/invoices/")
    page.set_input_files("main input[type=file]", str(invoice_file))
    w.submit("main form[enctype='multipart/form-data']")
    assert (
        page.locator("input[name=invoice_number]").input_value() == f"INV-{language.upper()}-1101"
    )
    w.submit("main form[method=post]:not([enctype])")
    errors = page.locator("main .errorlist").all_inner_texts()
    assert page.locator("main table tbody tr").count() == 1, (page.url, errors)  # registered

    # --- Apply; the screening task runs as the worker would; the offer -----------------------
    w.goto("/my/applications/")
    page.check("input[name=product][value=three_party]")
    page.locator("input[name=invoices]").first.check()
    for box in page.locator("input[name^=consent_]").all():
        box.check()
    w.submit("main form.card")
    page.wait_for_url(re.compile(r"/my/applications/\d+/$"))
    app = FinancingApplication.objects.get(organization=org)
    screen_application.call(app.pk)
    w.goto(f"/my/applications/{app.pk}/")
    w.shot("offer")
    w.submit("main form", "button[name=answer][value=accept]")

    # --- The contract, signed ------------------------------------------------------------------
    w.goto(f"/my/contracts/{app.pk}/")
    page.locator(f"main a[href$='/my/contracts/{app.pk}/sign/']").first.click()
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        w.submit()
        page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/sign/"))
    w.check()
    page.check("input[name=agree]")
    w.submit(f"main form[action$='/my/contracts/{app.pk}/sign/']")
    page.wait_for_url(re.compile(rf"/my/contracts/{app.pk}/$"))
    w.shot("signed")

    # --- The operator perfects, funds and pays (browser-tested in the back office) -------------
    staff = []
    for who in ("ops", "approver"):
        s = django_user_model.objects.create_user(
            email=f"{who}.{language}@staff.example",
            password="y" * 20,
            is_staff=True,
            staff_role="treasury",
        )
        EmailAddress.objects.create(user=s, email=s.email, verified=True, primary=True)
        TOTP.activate(s, generate_totp_secret())
        staff.append(s)
    app.refresh_from_db()
    perfect(_Deal(app), staff[0])
    fund_application(app, acting_user=staff[0])
    payout = Payout.objects.get(application=app)
    batch = payouts.build_batch(acting_user=staff[0], value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff[0])

    # --- Paid: my page, the centre, every notice once by mail and SMS, in the language --------
    for path in ("/my/", "/my/notifications/", "/my/contracts/", f"/my/applications/{app.pk}/"):
        w.goto(path)
    w.shot("paid")
    told = {n.event: n for n in Notification.objects.filter(recipient=user)}
    assert set(ROAD) <= set(told), sorted(told)
    sms_texts = [m["body"] for m in sms_gateway.outbox(MOBILE)]
    for event in ROAD:
        with translation.override(language):
            title = title_of(event, told[event].context)
        assert len(_mails_titled(smtp_server, email, title)) == 1, (event, title)
        by_sms = [t for t in sms_texts if title in t]
        # Every step of the core loop is an SMS event (the organisation opted in above).
        assert EVENTS[event].sms, event
        assert len(by_sms) == 1, (event, title, sms_texts)
    if language == "en":
        for m in smtp_server.messages:
            if email in str(m["To"]):
                text = str(m["Subject"]) + smtp_server.body(m)
                for data in DATA:
                    text = text.replace(data, "")
                assert not JAPANESE.search(text), (m["Subject"], smtp_server.body(m))
        for t in sms_texts:
            assert not JAPANESE.search(t), t
    assert w.findings == [], "\n".join(w.findings)
    context.close()


class _Deal:
    """What ``perfect`` needs of a deal."""

    def __init__(self, application: FinancingApplication) -> None:
        self.application = application
