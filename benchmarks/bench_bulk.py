"""Bulk factoring: reading and checking a buyer's payables CSV (the largest upload, 5,000
rows, and bigger files to see the scaling), and pricing early payments.

.venv/bin/python benchmarks/bench_bulk.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_bulk.py
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

from urikake.domain import bulk
from urikake.domain.bank_calendar import is_bank_business_day

TODAY = date(2026, 12, 7)
SUPPLIERS = {f"S{i:04d}": i for i in range(1, 501)}


def business_days(n: int) -> list[date]:
    out, day = [], TODAY
    while len(out) < n:
        day += timedelta(days=1)
        if is_bank_business_day(day):
            out.append(day)
    return out


def payables_csv(n: int, rng: random.Random) -> bytes:
    days = business_days(120)
    codes = list(SUPPLIERS)
    lines = ["仕入先,請求書番号,金額,支払期日"]
    for i in range(n):
        lines.append(
            f"{rng.choice(codes)},INV-{i:07d},{rng.randint(1_000, 50_000_000)},"
            f"{rng.choice(days):%Y/%m/%d}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def main() -> None:
    rng = random.Random(20261207)
    rows: list[Row] = []
    for n in sizes([5_000, 20_000, 100_000], [200]):
        data = payables_csv(n, rng)
        limit = bulk.MAX_ROWS
        bulk.MAX_ROWS = max(limit, n)  # the product caps an upload; the bench measures scaling
        try:
            (parsed, errors), secs = timed(
                lambda data=data: bulk.parse_payables_csv(
                    data,
                    today=TODAY,
                    resolve_supplier=SUPPLIERS.get,
                    known_invoices=lambda s, num: False,
                )
            )
        finally:
            bulk.MAX_ROWS = limit
        assert not errors, errors[:3]
        assert len(parsed) == n
        rows.append(Row("parse + check payables CSV", n, secs, "rows"))
        rate = Decimal("0.025")
        _, secs = timed(
            lambda parsed=parsed, rate=rate: [
                bulk.quote(r.amount, rate, paid_on=TODAY, due_on=r.due_date) for r in parsed
            ]
        )
        rows.append(Row("early-payment quotes (discount + APR)", n, secs, "quotes"))
    print_table("Bulk factoring: payables CSV and early-payment pricing", rows)


if __name__ == "__main__":
    main()
