"""``urikake treasury …``: the operators' command runs the whole money flow through the
services, refuses bad input with the Japanese message and a non-zero exit, and writes files
atomically."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    approved,
    contracted_deal,
    funded_deal,
    paid_on,
    perfect,
    purchase_of,
    second_treasury_user,
    statement_file,
)
from urikake.audit.models import AuditRecord
from urikake.domain.bank_calendar import is_bank_business_day
from urikake.ledger import services as ledger
from urikake.treasury.models import Deposit, Payout, PayoutBatch
from urikake.treasury.policy import platform_cash_account


def treasury(*args: str) -> str:
    out = io.StringIO()
    call_command("treasury", *args, stdout=out)
    return out.getvalue()


def _value_date() -> str:
    return max(p.requested_for for p in Payout.objects.all()).isoformat()


def _holiday() -> str:
    day = date.today() + timedelta(days=1)
    while is_bank_business_day(day):
        day += timedelta(days=1)
    return day.isoformat()


@pytest.mark.django_db
def test_the_whole_flow_through_the_command(treasury_staff, tmp_path: Path) -> None:
    assert "送金待ちの振込はありません" in treasury("build-batch")
    assert not PayoutBatch.objects.exists()

    deal = contracted_deal("three_party")
    perfect(deal, treasury_staff)
    out = treasury("--user", treasury_staff.email, "fund", str(deal.application.pk))
    payout = Payout.objects.get()
    assert f"送金 {payout.pk} を予約しました" in out
    assert f"{payout.amount:,}円" in out
    treasury("fund", str(deal.application.pk))  # a repeat finds the same payout
    assert Payout.objects.count() == 1

    out = treasury("--user", treasury_staff.email, "build-batch", "--date", _value_date())
    batch = PayoutBatch.objects.get()
    assert f"総合振込ファイル {batch.pk} を作成しました: 1件" in out
    assert AuditRecord.objects.get(action="treasury.funding_queued").actor == (
        f"user:{treasury_staff.pk}"
    )
    assert AuditRecord.objects.get(action="treasury.batch_generated").actor == (
        f"user:{treasury_staff.pk}"
    )

    # Dual control: no file and no sending before a second treasury user approved.
    target = tmp_path / "furikomi.txt"
    target.write_bytes(b"an older file that must be replaced whole")
    with pytest.raises(CommandError, match="まだ承認されていません"):
        treasury("regenerate", str(batch.pk), "--out", str(target))
    with pytest.raises(CommandError, match="まだ承認されていません"):
        treasury("mark-sent", str(batch.pk))
    with pytest.raises(CommandError, match="担当者本人"):
        treasury("approve", str(batch.pk))  # cli:treasury is nobody in particular
    with pytest.raises(CommandError, match="同じデータを承認できません"):
        treasury("--user", treasury_staff.email, "approve", str(batch.pk))
    assert target.read_bytes() == b"an older file that must be replaced whole"
    approver = second_treasury_user()
    assert "承認しました" in treasury("--user", approver.email, "approve", str(batch.pk))

    treasury("regenerate", str(batch.pk), "--out", str(target))
    assert target.read_bytes() == bytes(batch.file_content)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == batch.file_sha256
    assert sorted(os.listdir(tmp_path)) == ["furikomi.txt"]  # no temp file left behind

    assert "送信済みにしました" in treasury("mark-sent", str(batch.pk))
    assert "変更なし" in treasury("mark-sent", str(batch.pk))
    fee = settings.TREASURY_TRANSFER_FEE_YEN
    assert ledger.balance(platform_cash_account()) == -(payout.amount + fee)
    deal.application.refresh_from_db()
    assert deal.application.status == "funded"
    assert AuditRecord.objects.filter(action="treasury.batch_sent").count() == 1

    purchase = purchase_of(deal)
    statement = tmp_path / "nyukin.txt"
    statement.write_bytes(
        statement_file(
            [
                (paid_on(purchase), purchase.face_amount, DEBTOR_PAYER),
                (paid_on(purchase), 12_345, "ﾀﾅｶ ﾀﾛｳ"),
            ]
        )
    )
    out = treasury("import-statement", str(statement))
    assert "入金 2件" in out
    assert f"{purchase.face_amount + 12_345:,}円" in out
    assert "取込済み" in treasury("import-statement", str(statement))
    assert Deposit.objects.count() == 2
    out = treasury("reconcile")
    assert "自動消込 1件 / 確認待ち 0件 / 該当なし 1件" in out
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert "自動消込 0件" in treasury("reconcile")
    assert ledger.trial_balance().balanced


@pytest.mark.django_db
def test_returns_are_imported_from_a_file(treasury_staff, tmp_path: Path) -> None:
    funded_deal(treasury_staff)
    payout = Payout.objects.get()
    treasury("build-batch", "--date", _value_date())
    batch_id = str(PayoutBatch.objects.get().pk)
    treasury("--user", second_treasury_user().email, "approve", batch_id)
    treasury("mark-sent", batch_id)
    returns = tmp_path / "kumimodoshi.csv"
    returns.write_text(f"顧客コード,金額,理由\n{payout.customer_code},{payout.amount},口座なし\n")
    out = treasury("import-returns", str(returns))
    assert f"組戻し 1件 合計 {payout.amount:,}円" in out
    payout.refresh_from_db()
    assert payout.status == "returned"
    assert payout.returned_reason == "口座なし"
    assert "組戻し 0件" in treasury("import-returns", str(returns))
    assert ledger.balance(platform_cash_account()) == 0
    assert ledger.trial_balance().balanced


@pytest.mark.django_db
def test_refusals_exit_with_the_japanese_message_and_change_nothing(
    treasury_staff, tmp_path: Path, django_user_model
) -> None:
    deal = contracted_deal("three_party")  # contracted, but not perfected
    with pytest.raises(CommandError, match="対抗要件"):
        treasury("fund", str(deal.application.pk))
    with pytest.raises(CommandError, match="申込み 999999 はありません"):
        treasury("fund", "999999")
    with pytest.raises(CommandError, match="銀行営業日ではありません"):
        treasury("build-batch", "--date", _holiday())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        treasury("build-batch", "--date", "2026/11/24")
    with pytest.raises(CommandError, match="総合振込ファイル 424242 はありません"):
        treasury("mark-sent", "424242")
    with pytest.raises(CommandError, match="総合振込ファイル 424242 はありません"):
        treasury("regenerate", "424242", "--out", str(tmp_path / "x.txt"))
    with pytest.raises(CommandError, match="ファイルを読めません"):
        treasury("import-statement", str(tmp_path / "missing.txt"))
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_code,amount\n0000000001,abc\n")
    with pytest.raises(CommandError, match="2行目"):
        treasury("import-returns", str(bad))
    with pytest.raises(CommandError):  # not a 全銀 file
        treasury("import-statement", str(bad))
    reviewer = django_user_model.objects.create_user(
        email="reviewer@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    with pytest.raises(CommandError, match="資金管理の権限"):
        treasury("--user", reviewer.email, "reconcile")
    assert not Payout.objects.exists()
    assert not PayoutBatch.objects.exists()
    assert not Deposit.objects.exists()
    assert not tmp_path.joinpath("x.txt").exists()


def database_url() -> str:
    """The test database as a URL for a child process (the same as the worker test)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = quote(s.get("USER") or "postgres", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    url = f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    return url


def child_env() -> dict[str, str]:
    # The same var dir: the child must read the field-encryption keys the test wrote with.
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "URIKAKE_VAR_DIR": str(settings.VAR_DIR),
    }


@pytest.mark.django_db(transaction=True)
def test_the_installed_command_runs_in_its_own_process(treasury_staff, tmp_path: Path) -> None:
    funded_deal(treasury_staff)
    out = tmp_path / "furikomi.txt"

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "urikake", "treasury", *argv],
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = run("build-batch", "--date", _value_date())
    assert done.returncode == 0, done.stderr
    batch = PayoutBatch.objects.get()
    assert "作成しました: 1件" in done.stdout
    assert Payout.objects.get().batch_id == batch.pk
    approved(batch)
    done = run("regenerate", str(batch.pk), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == bytes(batch.file_content)

    refused = subprocess.run(
        [sys.executable, "-m", "urikake", "treasury", "build-batch", "--date", _holiday()],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode != 0
    assert "銀行営業日ではありません" in refused.stderr
    assert PayoutBatch.objects.count() == 1
