"""総合振込 file writing: records per second at 100,000 and 999,999 transfers, plus parsing it
back.

.venv/bin/python benchmarks/bench_zengin_transfer.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_zengin_transfer.py     # 2,000 (CI)

Cases: the columns given (``TransferColumns``, as the treasury batch builder fills them from
a ``values_list`` query: no object per transfer), the same transfers as ``Transfer`` objects
(the object API: their fields read into columns first), the same again, the holder-name
conversion alone (every name converted — katakana to half-width, legal forms abbreviated —
and checked; the largest part of the work), a repeated-payee mix (the same number of
transfers paying N / 20 payees, drawn at random, every name its own ``str`` as a query
returns it: the converter finds that names repeat and converts each once), and the
per-record writer kept as the reference (``write_transfer_file_per_record``, the writer before
the column-wise one) at the smaller size, for the before/after ratio measured side by side.
The column-wise writer keeps no cache, so "again" measures repeat calls, not a warm cache.
999,999 is the most one file holds (合計件数 is N6); amounts are kept under ¥1,000,000 so
that 合計金額 (N12) holds them. Issue 14 asks ≥ 1,000,000 records/s of formatting work: timed
is the call only, not interpreter start-up nor building the input.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _report import RateRow, print_rates, sizes, timed_cpu

from urikake.domain import zengin_transfer
from urikake.domain.identifiers import AccountType
from urikake.domain.zengin_columnar import bulk_zengin_names
from urikake.domain.zengin_transfer import (
    Originator,
    Transfer,
    TransferColumns,
    parse_transfer_columns,
    parse_transfer_file,
    write_transfer_columns,
    write_transfer_file,
    write_transfer_file_per_record,
)

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモガギグゲゴ"
BANKS = [("0001", "001"), ("0005", "001"), ("0009", "100"), ("0010", "100")]
FORMS = ["株式会社", "有限会社", "", "カブシキガイシャ"]
TARGET_PER_SECOND = 1_000_000


def transfers(n: int, rng: random.Random) -> list[Transfer]:
    out = []
    for i in range(n):
        bank, branch = rng.choice(BANKS)
        name = rng.choice(FORMS) + "".join(rng.choices(KANA, k=rng.randint(3, 12)))
        out.append(
            Transfer(
                bank_code=bank,
                branch_code=branch,
                account_type=rng.choice(list(AccountType)),
                account_number=str(rng.randint(1, 9_999_999)),
                holder_name=name,
                amount=rng.randint(1, 1_000_000),  # 999,999 of them stay under 合計金額 N12
                customer_code=str(i) if i % 3 == 0 else None,
            )
        )
    return out


def _repeated_payees(columns: TransferColumns, rng: random.Random) -> TransferColumns:
    """The same transfers paying ``len / 20`` payees: each row's name drawn from the first
    ones, copied into a new ``str`` (as a database query gives every row its own)."""
    payees = list(columns.holder_name[: max(1, len(columns) // 20)])
    names = [(rng.choice(payees) + ".")[:-1] for _ in range(len(columns))]
    return replace(columns, holder_name=names)


def _columns(ts: list[Transfer]) -> TransferColumns:
    """The columns as a database query's rows give them: 預金種目 and amounts as arrays."""
    cols = TransferColumns.of(ts)
    return replace(
        cols,
        account_type=np.array([int(k) for k in cols.account_type], dtype=np.int64),
        amount=np.array(cols.amount, dtype=np.int64),
        edi=None,
    )


def main() -> None:
    rng = random.Random(20261123)
    originator = Originator(
        "1234567890", "株式会社ウリカケ", "0001", "001", AccountType.ORDINARY, "1234567"
    )
    rows: list[RateRow] = []
    smaller = sizes([100_000, 999_999], [2_000])[0]
    # Warm-up on other transfers: the bank and branch names and the character table are
    # built on first use, once per process.
    write_transfer_file(originator, transfers(1_000, random.Random(1)), transfer_date=date.today())
    for n in sizes([100_000, 999_999], [2_000]):
        ts = transfers(n, rng)
        columns = _columns(ts)
        by_columns = partial(
            write_transfer_columns, originator, columns, transfer_date=date(2026, 12, 1)
        )
        data, wall, cpu = timed_cpu(by_columns)
        rows.append(RateRow("write_transfer_columns (columns given)", n, wall, cpu))
        # Again: the first call at a size also pays the kernel for the pages of its buffers
        # (≈ 250 MB at 999,999: the records and the bytes returned) — system time.
        _, wall, cpu = timed_cpu(by_columns)
        rows.append(RateRow("write_transfer_columns, again", n, wall, cpu))
        write = partial(write_transfer_file, originator, ts, transfer_date=date(2026, 12, 1))
        again, wall, cpu = timed_cpu(write)
        assert again == data
        rows.append(RateRow("write_transfer_file (Transfer objects)", n, wall, cpu))
        again, wall, cpu = timed_cpu(write)
        assert again == data
        rows.append(RateRow("write_transfer_file, same payees again", n, wall, cpu))
        _, wall, cpu = timed_cpu(partial(bulk_zengin_names, columns.holder_name, 30))
        rows.append(RateRow("  of which: holder names (bulk_zengin_names)", n, wall, cpu))
        mix = _repeated_payees(columns, rng)
        _, wall, cpu = timed_cpu(
            partial(write_transfer_columns, originator, mix, transfer_date=date(2026, 12, 1))
        )
        rows.append(RateRow("write_transfer_columns, N/20 payees repeated", n, wall, cpu))
        _, wall, cpu = timed_cpu(partial(bulk_zengin_names, mix.holder_name, 30))
        rows.append(RateRow("  of which: holder names, N/20 payees", n, wall, cpu))
        if n == smaller:
            zengin_transfer._bank_fields.clear()  # the reference's caches: a fresh process
            zengin_transfer._holder_fields.clear()
            old = partial(
                write_transfer_file_per_record, originator, ts, transfer_date=date(2026, 12, 1)
            )
            ref, wall, cpu = timed_cpu(old)
            assert ref == data  # byte for byte
            rows.append(RateRow("per-record writer (before), new payees", n, wall, cpu))
            _, wall, cpu = timed_cpu(old)
            rows.append(RateRow("per-record writer (before), known payees", n, wall, cpu))
        _, wall, cpu = timed_cpu(partial(parse_transfer_columns, data))
        rows.append(RateRow("parse_transfer_columns (→ columns)", n, wall, cpu))
        back, wall, cpu = timed_cpu(partial(parse_transfer_file, data))
        rows.append(RateRow("parse_transfer_file (→ Transfer objects)", n, wall, cpu))
        if n == smaller:
            ref, wall, cpu = timed_cpu(partial(zengin_transfer._parse_transfer_records, data))
            assert ref == back
            rows.append(RateRow("record-by-record reader (before)", n, wall, cpu))
    print_rates("Zengin 総合振込 file", rows, TARGET_PER_SECOND)


if __name__ == "__main__":
    main()
