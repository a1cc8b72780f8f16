"""Statement parsers: records per second of the 全銀 入出金取引明細 (03) parser (from bytes and
from a stream) and the net-banking CSV parser, at 100,000 and 1,000,000 lines, and the peak
memory of a stream parse (issue 14 asks ≥ 1,000,000 records/s of formatting work).

.venv/bin/python benchmarks/bench_statement_parsers.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_statement_parsers.py     # 2,000 (CI)

Timed: the parse call only (bytes in memory → result), not interpreter start-up nor building
the input. "→ columns" is ``parse_receipt_columns``: every check, the lines as numpy columns
and the texts as the file's bytes, no object per line (what the parsers hold since issue 14
item 8); "→ StatementLine objects" is making the objects from those columns, on demand;
"→ Statement" is the object API (columns, then objects, then the Statement's duplicate check).
The per-record parsers (the ones before, kept as the reference) run at the smaller size for
the before/after ratio. The stream case
runs in a fresh interpreter that reads the file from disk a chunk at a time and keeps no line:
its peak RSS, less the interpreter's after imports, is the memory the parse needs.
"""

from __future__ import annotations

import io
import os
import random
import resource
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import RateRow, print_rates, sizes, timed_cpu

from urikake.domain import statement_csv
from urikake.domain import zengin_statements as zs
from urikake.domain.statement_csv import PRESETS, parse_csv, parse_csv_columns
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


def _zengin_file(lines: list[StatementLine], group: int = 500_000) -> bytes:
    """A 03 file of ``lines`` in groups of at most ``group`` (入金件数 is N6: a group holds
    at most 999,999), one account."""
    parts = []
    for at in range(0, len(lines), group):
        part = lines[at : at + group]
        statement = Statement(
            SourceFormat.ZENGIN_STATEMENT,
            *("0001", "001", 1, "1234567", "ｶ)ｳﾘｶｹ"),
            part[0].value_date,
            part[-1].value_date,
            tuple(part),
        )
        data = write_statement_file(statement, created=date(2026, 12, 1))
        parts.append(data if at + group >= len(lines) else data[: -(zs.RECORD_LENGTH + 2)])
    return b"".join(parts)


def _csv(lines: list[StatementLine]) -> bytes:
    rows = ["value_date,amount,payer_kana,direction"]
    rows += [f"{x.value_date.isoformat()},{x.amount},{x.counterparty},入金" for x in lines]
    return ("\n".join(rows) + "\n").encode("utf-8")


def _csv_by_rows(data: bytes) -> tuple[StatementLine, ...]:
    """The CSV parse before the column-wise one: csv.reader and one line per row, numbered."""
    lines = statement_csv._parse_rows(data.decode("utf-8-sig"), PRESETS["urikake_simple"])
    return Statement(SourceFormat.CSV, "", "", None, "", "", None, None, tuple(lines)).lines


def _stream_columns(data: bytes) -> int:
    """The lines of a 03 stream as columns, chunk by chunk, none kept."""
    return sum(len(c) for c in zs.iter_receipt_columns(io.BytesIO(data)))


def _notice_file(lines: list[StatementLine], group: int = 100_000) -> bytes:
    """The same lines as a 振込入金通知 (01) file (no description, 6-digit references), in
    groups of 100,000 (合計金額 is N12)."""
    parts = []
    for at in range(0, len(lines), group):
        part = [
            replace(x, reference=x.reference[-6:])  # 照会番号 N6
            for x in lines[at : at + group]
        ]
        statement = Statement(
            SourceFormat.ZENGIN_DEPOSIT_NOTICE,
            *("0001", "001", 1, "1234567", "ｶ)ｳﾘｶｹ"),
            part[0].value_date,
            part[-1].value_date,
            tuple(part),
        )
        data = zs.write_deposit_notice_file(statement, created=date(2026, 12, 1))
        parts.append(data if at + group >= len(lines) else data[: -(zs.RECORD_LENGTH + 2)])
    return b"".join(parts)


def _high_water_kib() -> int:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: that keeps the parent's peak
    across fork and exec, so a child started by a big benchmark would report the parent's."""
    with open("/proc/self/status") as fh:
        for row in fh:
            if row.startswith("VmHWM:"):
                return int(row.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: best effort


def _stream_child(path: str) -> None:
    """In a fresh interpreter: stream-parse ``path``; print RSS after imports and peak RSS."""
    base = _high_water_kib()
    count = 0
    with open(path, "rb") as fh:
        for chunk in zs.iter_receipt_lines(fh):
            count += len(chunk)
    print(count, base, _high_water_kib())


def _stream_memory(data: bytes) -> tuple[int, float, float, float]:
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as fh:
        fh.write(data)
    try:
        cmd = [sys.executable, __file__, "--stream", fh.name]
        t0 = os.times()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
        t1 = os.times()
    finally:
        os.unlink(fh.name)
    count, base, peak = (int(x) for x in out)
    cpu = (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
    return count, base / 1024, peak / 1024, cpu


def main() -> None:
    rng = random.Random(2026)
    rows: list[RateRow] = []
    memory: list[str] = []
    all_sizes = sizes([100_000, 1_000_000], [2_000])
    for n in all_sizes:
        lines = _lines(n, rng)
        zengin = _zengin_file(lines)
        cols, wall, cpu = timed_cpu(partial(zs.parse_receipt_columns, zengin))
        assert len(cols) == n
        rows.append(RateRow("全銀 03 parse → columns (no objects)", n, wall, cpu))
        taken, wall, cpu = timed_cpu(partial(_stream_columns, zengin))
        assert taken == n
        rows.append(RateRow("全銀 03 stream → columns, none kept", n, wall, cpu))
        notice = _notice_file(lines)
        ncols, wall, cpu = timed_cpu(partial(zs.parse_receipt_columns, notice))
        assert len(ncols) == n
        rows.append(RateRow("全銀 01 parse → columns (no objects)", n, wall, cpu))
        deposits, wall, cpu = timed_cpu(cols.deposits)
        assert len(deposits) == n
        rows.append(RateRow("03 columns → deposits' columns", n, wall, cpu))
        objs, wall, cpu = timed_cpu(cols.columns.lines)
        assert len(objs) == n
        rows.append(RateRow("03 columns → StatementLine objects", n, wall, cpu))
        parsed, wall, cpu = timed_cpu(partial(parse_statement_file, zengin))
        assert len(parsed.lines) == n
        rows.append(RateRow("全銀 03 parse (bytes → Statement)", n, wall, cpu))
        parsed, wall, cpu = timed_cpu(partial(zs.parse_receipt_stream, io.BytesIO(zengin)))
        assert len(parsed.lines) == n
        rows.append(RateRow("全銀 03 parse from a stream (→ Statement)", n, wall, cpu))
        if n == all_sizes[0]:
            ref, wall, cpu = timed_cpu(partial(zs._parse_per_record, zengin, "03"))
            assert ref == parsed
            rows.append(RateRow("per-record 03 parser (before)", n, wall, cpu))
            ref, wall, cpu = timed_cpu(partial(zs._parse_per_record, notice, "01"))
            assert ref == ncols.statement()
            rows.append(RateRow("per-record 01 parser (before)", n, wall, cpu))
        count, base, peak, cpu = _stream_memory(zengin)
        assert count == n
        memory.append(
            f"{n:>10,} lines, {len(zengin) / 2**20:,.0f} MiB file: stream parse peak RSS "
            f"{peak:,.0f} MiB ({peak - base:,.0f} MiB above the interpreter after imports), "
            f"child CPU {cpu:.2f} s incl. start-up"
        )
        text = _csv(lines)
        simple = PRESETS["urikake_simple"]
        csv_columns, wall, cpu = timed_cpu(partial(parse_csv_columns, text, simple))
        assert len(csv_columns) == n
        rows.append(RateRow("CSV → columns (parse_csv_columns)", n, wall, cpu))
        parsed_csv, wall, cpu = timed_cpu(partial(parse_csv, text, simple))
        assert len(parsed_csv.lines) == n
        rows.append(RateRow("CSV statement parse (→ Statement)", n, wall, cpu))
        if n == all_sizes[0]:
            ref, wall, cpu = timed_cpu(partial(_csv_by_rows, text))
            assert ref == parsed_csv.lines
            rows.append(RateRow("CSV row-by-row parse → Statement (before)", n, wall, cpu))
    print_rates("Statement parsers", rows, TARGET_PER_SECOND)
    print("\nStreaming 03 parse (a fresh interpreter, lines not kept):")
    for m in memory:
        print("  " + m)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--stream":
        _stream_child(sys.argv[2])
    else:
        main()
