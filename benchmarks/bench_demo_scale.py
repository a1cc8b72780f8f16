"""``urikake demo --scale N``: time and peak memory to make N applicants with 10·N invoices,
twelve months of statements, deals in every state and their books (bulk inserts).

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` (a scratch PostgreSQL database: it must be empty) when set.

    .venv/bin/python benchmarks/bench_demo_scale.py                 # N = 1,000
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_demo_scale.py    # N = 20
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/urikake_bench \\
        .venv/bin/python benchmarks/bench_demo_scale.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

tmp = tempfile.mkdtemp(prefix="urikake-bench-")
os.environ["URIKAKE_VAR_DIR"] = tmp
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from urikake.ledger import services as ledger  # noqa: E402
from urikake.system.demo_scale import make_scale  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    (n,) = sizes([1000], [20])
    tracemalloc.start()
    report, seconds = timed(lambda: make_scale(n, seed=2026))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows_made = (
        report.applicants * 4  # user, e-mail, two consents (+ organisation, membership below)
        + report.applicants * 2
        + report.debtors
        + report.invoices
        + report.statement_lines
        + report.applications * 2
        + report.positions
        + report.ledger_entries * 4
    )
    check, check_s = timed(ledger.unbalanced_entries)
    assert check == [], check
    tb, tb_s = timed(ledger.trial_balance)
    assert tb.balanced
    print_table(
        f"urikake demo --scale (database: {connection.vendor}; "
        f"peak Python allocations {peak / 2**20:.0f} MiB)",
        [
            Row(f"make_scale N={n} (applicants)", n, seconds, "applicants"),
            Row("  rows written (approx.)", rows_made, seconds, "rows"),
            Row("  invoices", report.invoices, seconds, "invoices"),
            Row("  statement lines", report.statement_lines, seconds, "lines"),
            Row("  ledger entries", report.ledger_entries, seconds, "entries"),
            Row("ledger check (unbalanced entries)", report.ledger_entries, check_s, "entries"),
            Row("trial balance", report.ledger_entries, tb_s, "entries"),
        ],
    )


if __name__ == "__main__":
    main()
