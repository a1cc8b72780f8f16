"""Issue 4 in a real browser: a real Zengin statement file and a real PDF invoice go in, the
background worker screens the application, and an explained offer comes out."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.utils import timezone

from tests.e2e.conftest import DESKTOP
from tests.fixtures.clients import accept_current_terms
from tests.fixtures.invoice_pdf import make_invoice_pdf
from urikake.applicants.models import Membership, Organization
from urikake.domain.invoices import TaxBreakdown
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_statement_file
from urikake.kyc import services as kyc

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "shacho@uriko.example.jp"
PASSWORD = "uriko-shoten-password-2026"


def _applicant(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(email=EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    accept_current_terms(user)
    org = Organization.objects.create(
        kind="corporation", name="株式会社サンプル製作所", name_kana="サンプルセイサクシヨ"
    )
    Membership.objects.create(user=user, organization=org, role="owner")
    kyc.record_verified_check(org, requested_by=user, acting_user="system:test")


def _zengin_statement(today: date) -> bytes:
    """Twelve months of regular payments from the debtor (on the 25th), plus noise."""
    lines = []
    for n in range(12, 0, -1):
        month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        for _ in range(n - 1):
            month_start = (month_start - timedelta(days=1)).replace(day=1)
        lines.append(
            StatementLine(
                month_start.replace(day=25),
                Direction.DEPOSIT,
                330_000,
                "ｶ)ﾐﾅﾄｼﾖｳｼﾞ",
                reference=f"{len(lines) + 1:08d}",
                line_number=len(lines) + 2,
            )
        )
        lines.append(
            StatementLine(
                month_start.replace(day=10),
                Direction.WITHDRAWAL,
                55_000,
                "ﾃﾞﾝｷﾀﾞｲ",
                reference=f"{len(lines) + 1:08d}",
                line_number=len(lines) + 2,
            )
        )
    lines.sort(key=lambda line: line.value_date)
    lines = [
        StatementLine(
            line.value_date,
            line.direction,
            line.amount,
            line.counterparty,
            reference=f"{i + 1:08d}",
            line_number=i + 2,
        )
        for i, line in enumerate(lines)
    ]
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT,
        "0009",
        "123",
        1,
        "7654321",
        "ｶ)ｻﾝﾌﾟﾙｾｲｻｸｼﾖ",
        lines[0].value_date,
        lines[-1].value_date,
        tuple(lines),
    )
    return write_statement_file(statement, created=today)


def _worker() -> subprocess.Popen[str]:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{settings_dict['NAME']}"
    else:
        user = settings_dict.get("USER") or "postgres"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        url = f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"
    return subprocess.Popen(
        [sys.executable, "-m", "urikake", "worker", "--no-startup-delay", "--interval", "0.2"],
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_pdf_invoice_and_zengin_statement_to_an_explained_offer(
    live_server: Any, browser: Any, django_user_model: Any, artifacts_dir: Path, tmp_path: Path
) -> None:
    _applicant(django_user_model)
    base = live_server.url
    today = timezone.localdate()
    statement_file = tmp_path / "meisai.txt"
    statement_file.write_bytes(_zengin_statement(today))
    invoice_file = tmp_path / "seikyusho.pdf"
    invoice_file.write_bytes(
        make_invoice_pdf(
            debtor_name="株式会社みなと商事",
            invoice_number="INV-2026-1101",
            issue_date=today - timedelta(days=2),
            due_date=today + timedelta(days=45),
            date_style="kanji",
            tax_breakdown=(TaxBreakdown(Decimal("0.10"), 300_000, 30_000),),
        )
    )
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    worker = _worker()
    try:
        page.goto(base + "/accounts/login/")
        page.fill("#id_login", EMAIL)
        page.fill("#id_password", PASSWORD)
        page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
        page.wait_for_load_state()

        # The bank statement, as downloaded from net banking (全銀 入出金取引明細).
        page.goto(base + "/my/statements/")
        page.get_by_label("ファイルの形式").select_option("zengin")
        page.get_by_label("入出金明細ファイル").set_input_files(str(statement_file))
        page.get_by_role("button", name="取り込む").click()
        page.get_by_text("件の明細を取り込みました").wait_for()

        # The debtor, then the PDF invoice: read, confirmed, registered.
        page.goto(base + "/my/debtors/")
        page.get_by_label("売掛先名", exact=True).fill("株式会社みなと商事")
        page.get_by_label("売掛先名フリガナ").fill("カブシキガイシャミナトシヨウジ")
        page.get_by_role("button", name="登録する").click()
        page.goto(base + "/my/invoices/")
        page.get_by_label("請求書ファイル（PDF またはデジタルインボイス XML）").set_input_files(
            str(invoice_file)
        )
        page.get_by_role("button", name="読み取る").click()
        page.get_by_text("請求書から読み取った内容です").wait_for()
        assert page.get_by_label("請求書番号").input_value() == "INV-2026-1101"
        assert page.get_by_label("請求金額（税込・円）").input_value() == "330000"
        page.get_by_role("button", name="登録する", exact=True).click()
        page.get_by_text("請求書を登録しました").wait_for()

        # Apply; the worker screens it in the background; the offer explains itself.
        page.goto(base + "/my/applications/")
        page.get_by_label("3社間ファクタリング").check()
        page.locator("input[name=invoices]").first.check()
        page.get_by_role("button", name="申し込む（審査を始める）").click()
        page.wait_for_url(re.compile(r"/my/applications/\d+/$"))
        deadline = time.monotonic() + 60
        while "審査中です" in page.content() and time.monotonic() < deadline:
            time.sleep(0.5)
            page.reload()
        page.screenshot(path=str(artifacts_dir / "offer-desktop.png"), full_page=True)
        assert "ご提示条件" in page.content(), page.content()
        assert "お振込金額" in page.content()
        assert "審査結果について" in page.content()
        assert "スコア" not in page.content()  # applicants never see the model's scores
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        context.close()
