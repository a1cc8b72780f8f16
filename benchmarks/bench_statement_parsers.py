"""Statement parsers: records per second of the 全銀 入出金取引明細 (03) parser and the
net-banking CSV parser (issue 14 asks ≥ 1,000,000 records/s of formatting work).

.venv/bin/python benchmarks/bench_statement_parsers.py          # 100,000 lines
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_statement_parsers.py

Timed: the parse call only (bytes in memory → Statement with its lines), not interpreter
start-up nor building the input. Each parse returns a ``Statement`` of ``StatementLine``
objects, so the figure includes creating one object per record.
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

from urikake.domain.statement_csv import PRESETS, parse_csv
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import parse_statement_file, write_statement_file

TARGET_PER_SECOND = 1_000_000
PAYERS = ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ｻｸﾗﾃﾞﾝｷ(ｶ", "ﾕ)ｱｵﾊﾞｹﾝｾﾂ", "ﾄｳﾖｳｺｳｷﾞﾖｳ(ｶ", "ｽｽﾞｷ ﾀﾛｳ"]


def _lines(n: int, rng: random.Random) -> list[StatementLine]:
    start = date(2026, 11, 1)
    return [
        StatementLine(
            value_date=start + timedelta(days=k * 28 // n),
            direction=Direction.DEPOSIT,
            amount=rng.randint(1_000, 9_999_999),
            counterparty=rng.choice(PAYERS),
            reference=f"{k + 1:08d}",
        )
        for k in range(n)
    ]


def _csv(lines: list[StatementLine]) -> bytes:
    rows = ["value_date,amount,payer_kana,direction"]
    rows += [f"{x.value_date.isoformat()},{x.amount},{x.counterparty},入金" for x in lines]
    return ("\n".join(rows) + "\n").encode("utf-8")


def main() -> None:
    rng = random.Random(2026)
    rows: list[Row] = []
    verdicts: list[str] = []
    for n in sizes([100_000], [2_000]):
        lines = _lines(n, rng)
        statement = Statement(
            SourceFormat.ZENGIN_STATEMENT,
            *("0001", "001", 1, "1234567", "ｶ)ｳﾘｶｹ"),
            lines[0].value_date,
            lines[-1].value_date,
            tuple(lines),
        )
        zengin = write_statement_file(statement, created=date(2026, 12, 1))
        parsed, secs = timed(partial(parse_statement_file, zengin))
        assert len(parsed.lines) == n
        rows.append(Row("全銀 入出金取引明細 (03) parse", n, secs, "record"))
        text = _csv(lines)
        parsed_csv, csv_secs = timed(partial(parse_csv, text, PRESETS["urikake_simple"]))
        assert len(parsed_csv.lines) == n
        rows.append(Row("CSV statement parse (urikake_simple)", n, csv_secs, "record"))
        for name, s in (("03", secs), ("CSV", csv_secs)):
            rate = n / s
            ok = "OK" if rate >= TARGET_PER_SECOND else "UNDER TARGET"
            verdicts.append(f"{name} {rate:,.0f} records/s ({ok})")
    print_table("Statement parsers", rows)
    print(f"\ntarget ≥ {TARGET_PER_SECOND:,} records/s: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
