"""``urikake zengin transfer``: success, all-errors-at-once, no file on failure, exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from urikake.domain.zengin_transfer import parse_transfer_file

ORIGINATOR = [
    "--requester-code",
    "1234567890",
    "--requester-name",
    "株式会社ウリカケ",
    "--bank",
    "0001",
    "--branch",
    "001",
    "--account-type",
    "普通",
    "--account",
    "1234567",
]
HEADER = "bank_code,branch_code,account_type,account_number,holder_name,amount,customer_code\n"
GOOD = (
    HEADER + '0005,001,1,7654321,やまだ　たろう,"1,000",\n0001,001,当座,1,株式会社テスト,2500,42\n'
)
BAD = HEADER + "0005,001,1,7654321,山田,abc,\n0001,001,1,1,テスト,100,\n12,001,7,1,テスト,0,\n"


def _run(csv_path: Path, out: Path, day: str = "2026-12-01", **settings_kw: str) -> str:
    stdout = StringIO()
    call_command(
        "zengin",
        "transfer",
        str(csv_path),
        "--out",
        str(out),
        "--date",
        day,
        *ORIGINATOR,
        stdout=stdout,
        stderr=StringIO(),
    )
    return stdout.getvalue()


def test_success_writes_file_and_prints_total(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    out = tmp_path / "out.txt"
    message = _run(src, out)
    assert "2件" in message
    assert "3,500円" in message
    originator, mmdd, transfers = parse_transfer_file(out.read_bytes())
    assert mmdd == "1201"
    assert originator.requester_name == "ｶ)ｳﾘｶｹ"
    assert [t.holder_name for t in transfers] == ["ﾔﾏﾀﾞ ﾀﾛｳ", "ｶ)ﾃｽﾄ"]
    assert transfers[1].customer_code == "0000000042"


def test_cp932_input(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_bytes(GOOD.encode("cp932"))
    out = tmp_path / "out.txt"
    _run(src, out)
    assert out.exists()


def test_settings_supply_originator(tmp_path: Path, settings: object) -> None:
    for name, value in {
        "ZENGIN_REQUESTER_CODE": "1",
        "ZENGIN_REQUESTER_NAME": "ウリカケ",
        "ZENGIN_BANK_CODE": "0001",
        "ZENGIN_BRANCH_CODE": "001",
        "ZENGIN_ACCOUNT_TYPE": "1",
        "ZENGIN_ACCOUNT_NUMBER": "7",
    }.items():
        setattr(settings, name, value)
    src = tmp_path / "payments.csv"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out.txt"
    call_command(
        "zengin", "transfer", str(src), "--out", str(out), "--date", "2026-12-01", stdout=StringIO()
    )
    assert parse_transfer_file(out.read_bytes())[0].requester_name == "ｳﾘｶｹ"


def test_all_errors_reported_and_no_file(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.txt"
    stderr = StringIO()
    with pytest.raises(CommandError, match="件の誤り"):
        call_command(
            "zengin",
            "transfer",
            str(src),
            "--out",
            str(out),
            "--date",
            "2026-12-01",
            *ORIGINATOR,
            stdout=StringIO(),
            stderr=stderr,
        )
    report = stderr.getvalue()
    assert "[2行目 amount]" in report
    assert "[2行目 holder_name]" in report
    assert "[4行目 bank_code]" in report
    assert "[4行目 account_type]" in report
    assert "3行目" not in report
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [src]


def test_holiday_refused_with_next_business_day(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out.txt"
    with pytest.raises(CommandError, match="2027-01-04"):
        _run(src, out, day="2026-12-31")
    assert not out.exists()


def test_exit_code_via_subprocess(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_text(BAD, encoding="utf-8")
    out = tmp_path / "out.txt"
    manage = Path(sys.executable).parent / "urikake"
    env = {**os.environ, "URIKAKE_VAR_DIR": os.environ.get("URIKAKE_VAR_DIR", str(tmp_path))}
    result = subprocess.run(
        [
            str(manage),
            "zengin",
            "transfer",
            str(src),
            "--out",
            str(out),
            "--date",
            "2026-12-01",
            *ORIGINATOR,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "2行目" in result.stderr
    assert not out.exists()


def test_unknown_bank_and_branch_refused(tmp_path: Path) -> None:
    # Well-formed codes that the 全銀協 data does not know: the transfer would come back.
    src = tmp_path / "payments.csv"
    src.write_text(HEADER + "9999,001,1,1,テスト,100,\n0001,999,1,1,テスト,100,\n", "utf-8")
    out = tmp_path / "out.txt"
    stderr = StringIO()
    with pytest.raises(CommandError, match="2件の誤り"):
        call_command(
            "zengin", "transfer", str(src), "--out", str(out), "--date", "2026-12-01",
            *ORIGINATOR, stdout=StringIO(), stderr=stderr,
        )  # fmt: skip
    assert "[2行目 bank_code] 金融機関コード「9999」は見つかりません" in stderr.getvalue()
    assert "[3行目 branch_code]" in stderr.getvalue()
    assert not out.exists()


def test_long_holder_name_is_cut_with_a_warning(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_text(HEADER + f"0001,001,1,1,{'ア' * 60},100,\n", "utf-8")
    out = tmp_path / "out.txt"
    stderr = StringIO()
    call_command(
        "zengin", "transfer", str(src), "--out", str(out), "--date", "2026-12-01",
        *ORIGINATOR, stdout=StringIO(), stderr=stderr,
    )  # fmt: skip
    assert "[2行目 holder_name] 受取人名が60文字あり" in stderr.getvalue()
    assert parse_transfer_file(out.read_bytes())[2][0].holder_name == "ｱ" * 30


def test_missing_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    src = tmp_path / "payments.csv"
    src.write_text(GOOD, encoding="utf-8")
    with pytest.raises(CommandError, match=r"出力先のフォルダ .* がありません"):
        _run(src, tmp_path / "no-such-dir" / "out.txt")
    assert list(tmp_path.iterdir()) == [src]
