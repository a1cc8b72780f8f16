"""``urikake reconcile`` end to end: call_command and a real subprocess."""

from __future__ import annotations

import csv
import dataclasses
import os
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_deposit_notice_file, write_statement_file

pytestmark = pytest.mark.django_db

ITEMS = """\
item_id,debtor_id,debtor_name,debtor_kana,amount,due_date,invoice_number
I1,D1,株式会社山田商事,ヤマダショウジ,110000,2026-11-30,INV-1
I2,D1,株式会社山田商事,ヤマダショウジ,"55,000",2026/11/30,INV-2
I3,D2,桜電機株式会社,サクラデンキ,33000,2026-11-30,INV-3
I4,D2,桜電機株式会社,サクラデンキ,44000,2026-11-30,INV-4
I5,D3,有限会社青葉建設,アオバケンセツ,200000,令和8年11月30日,INV-5
"""
DEPOSITS = """\
deposit_id,value_date,amount,payer_kana
P1,2026-11-30,110000,ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ
P2,2026-11-30,54560,ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ
P3,2026-11-30,76560,ｻｸﾗﾃﾞﾝｷ(ｶ
P4,2026-11-30,200000,ｶ)ｱｵﾊﾞﾎ-ﾙﾃﾞｲﾝｸﾞｽ
P5,2026-11-30,12345,ｽｽﾞｷ ﾀﾛｳ
P6,2026-11-30,199500,ﾕ)ｱｵﾊﾞｹﾝｾﾂ
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("reconcile", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue()


def rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["deposit_id"]: r for r in csv.DictReader(fh)}


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "items": write(tmp_path / "items.csv", ITEMS),
        "deposits": write(tmp_path / "deposits.csv", DEPOSITS),
        "out": tmp_path / "result.csv",
    }


def args(files: dict[str, Path], statement: Path | None = None) -> list[str]:
    return [
        "--statement",
        str(statement or files["deposits"]),
        "--open-items",
        str(files["items"]),
        "--out",
        str(files["out"]),
    ]


def test_csv_statement(files: dict[str, Path]) -> None:
    out = run(*args(files))
    result = rows(files["out"])
    assert list(result) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert (result["P1"]["status"], result["P1"]["item_ids"], result["P1"]["reason"]) == (
        "auto",
        "I1",
        "exact",
    )
    assert (result["P2"]["status"], result["P2"]["difference"], result["P2"]["fee_deducted"]) == (
        "auto",
        "440",
        "440",
    )
    assert result["P3"]["status"] == "auto"
    assert set(result["P3"]["item_ids"].split(";")) == {"I3", "I4"}
    assert result["P3"]["allocations"] in ("I3:33000;I4:44000", "I4:44000;I3:33000")
    assert (result["P4"]["status"], result["P4"]["item_ids"]) == ("suggested", "I5")
    assert (result["P5"]["status"], result["P5"]["reason"]) == ("unmatched", "no_candidate")
    assert result["P6"]["reason"] == "partial_payment"
    assert result["P6"]["reason_ja"].startswith("請求額より少ない入金")
    for summary in ("自動消込 3件", "候補あり(要確認) 2件", "該当なし 1件"):
        assert summary in out
    assert list(files["out"].parent.glob(".result.csv.*")) == []  # no temp file left behind


def test_payer_links_and_fee_tolerance(files: dict[str, Path], tmp_path: Path) -> None:
    links = write(tmp_path / "links.csv", "payer_kana,debtor_id\nｶ)ｱｵﾊﾞﾎ-ﾙﾃﾞｲﾝｸﾞｽ,D3\n")
    run(*args(files), "--payer-links", str(links))
    result = rows(files["out"])
    assert (result["P4"]["status"], result["P4"]["item_ids"]) == ("auto", "I5")
    assert result["P6"]["reason"] == "partial_payment"

    run(*args(files), "--fee-tolerance", "500")
    result = rows(files["out"])
    assert (result["P6"]["status"], result["P6"]["fee_deducted"]) == ("auto", "500")
    assert result["P4"]["status"] == "suggested"

    # Both: two automatic matches for I5 — neither is booked without a person.
    run(*args(files), "--payer-links", str(links), "--fee-tolerance", "500")
    result = rows(files["out"])
    assert {result[p]["reason"] for p in ("P4", "P6")} == {"competing_deposits"}


def test_zengin_03_statement_is_detected(files: dict[str, Path], tmp_path: Path) -> None:
    lines = tuple(
        StatementLine(
            value_date=date(2026, 11, 30),
            direction=direction,
            amount=amount,
            counterparty=payer,
            reference=ref,
        )
        for direction, amount, payer, ref in [
            (Direction.DEPOSIT, 110_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "00000101"),
            (Direction.WITHDRAWAL, 5_000, "ﾃｽｳﾘﾖｳ", "00000102"),
            (Direction.DEPOSIT, 76_560, "ｻｸﾗﾃﾞﾝｷ(ｶ", "00000103"),
        ]
    )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT,
        "0001",
        "001",
        1,
        "1234567",
        "ｶ)ｳﾘｶｹ",
        date(2026, 11, 30),
        date(2026, 11, 30),
        lines,
    )
    data = write_statement_file(statement, created=date(2026, 12, 1))
    zengin = tmp_path / "statement.txt"
    zengin.write_bytes(data)
    run(*args(files, zengin))
    result = rows(files["out"])
    assert list(result) == ["00000101", "00000103"]  # 照会番号; the withdrawal is skipped
    assert [r["status"] for r in result.values()] == ["auto", "auto"]

    notice = Statement(
        SourceFormat.ZENGIN_DEPOSIT_NOTICE,
        "0001",
        "001",
        1,
        "1234567",
        "ｶ)ｳﾘｶｹ",
        date(2026, 11, 30),
        date(2026, 11, 30),
        (dataclasses.replace(lines[0], reference="000101"),),
    )
    zengin.write_bytes(write_deposit_notice_file(notice, created=date(2026, 12, 1)))
    run(*args(files, zengin))
    assert [r["item_ids"] for r in rows(files["out"]).values()] == ["I1"]


def test_cp932_and_bom_inputs(files: dict[str, Path]) -> None:
    write(files["items"], ITEMS, "cp932")
    write(files["deposits"], "\ufeff" + DEPOSITS)
    run(*args(files))
    assert rows(files["out"])["P1"]["item_ids"] == "I1"


@pytest.mark.parametrize(
    ("which", "text", "message"),
    [
        ("deposits", DEPOSITS.replace("54560", "5万"), "deposits.csv 3行目 amount: 金額「5万」"),
        (
            "deposits",
            DEPOSITS.replace("P2,", "P1,"),
            "deposits.csv 3行目 deposit_id: 入金ID「P1」が重複",
        ),
        ("deposits", "deposit_id,amount\nP1,1\n", "必要な列がありません: value_date, payer_kana"),
        (
            "items",
            ITEMS.replace("2026/11/30", "11月30日"),
            "items.csv 3行目 due_date: 日付「11月30日」",
        ),
        ("items", ITEMS.replace(",110000,", ",0,"), "items.csv 2行目 amount: 未消込額は1円以上"),
        (
            "deposits",
            DEPOSITS.replace(",110000,", f",{10**26},"),
            "deposits.csv 2行目 amount: 入金額が大きすぎます",
        ),
    ],
)
def test_bad_input_names_file_and_line_and_writes_nothing(
    files: dict[str, Path], which: str, text: str, message: str
) -> None:
    write(files[which], text)
    files["out"].write_text("previous result\n")
    with pytest.raises(CommandError) as e:
        run(*args(files))
    assert message in str(e.value)
    assert files["out"].read_text() == "previous result\n"
    assert list(files["out"].parent.glob(".result.csv.*")) == []


def test_bad_zengin_file(files: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"103" + b"0" * 197 + b"\r\n" + b"2" + b"x" * 199)
    with pytest.raises(CommandError, match=r"broken\.txt"):
        run(*args(files, broken))
    assert not files["out"].exists()


def test_missing_file_and_bad_options(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="読めません"):
        run(*args(files, tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="fee-tolerance"):
        run(*args(files), "--fee-tolerance", "-1")


def _cli() -> list[str]:
    return [str(Path(sys.executable).with_name("urikake"))]


def test_subprocess_exit_codes(files: dict[str, Path]) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    ok = subprocess.run(
        [*_cli(), "reconcile", *args(files)], capture_output=True, text=True, env=env, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert "自動消込 3件" in ok.stdout
    assert rows(files["out"])["P1"]["status"] == "auto"
    files["out"].unlink()
    write(files["items"], ITEMS.replace(",110000,", ",abc,"))
    bad = subprocess.run(
        [*_cli(), "reconcile", *args(files)], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode != 0
    assert "items.csv 2行目 amount" in bad.stderr
    assert not files["out"].exists()


def test_formula_like_ids_are_written_as_text(files: dict[str, Path]) -> None:
    # A spreadsheet must not run an id as a formula (CSV injection): safe_csv quotes it.
    write(files["deposits"], DEPOSITS.replace("P5,", '"=HYPERLINK(""http://evil.example"")",'))
    run(*args(files))
    text = files["out"].read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text  # the apostrophe makes it text
    assert '"=HYPERLINK' not in text
    assert ",=HYPERLINK" not in text
