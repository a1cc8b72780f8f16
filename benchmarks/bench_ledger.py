"""Ledger: posting throughput (with its audit record) and report speed.

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database, where the deferred balance
trigger runs at every commit) when set.

    .venv/bin/python benchmarks/bench_ledger.py          # 5,000 deals = 15,000 entries
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_ledger.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/urikake_bench \\
        .venv/bin/python benchmarks/bench_ledger.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from datetime import date, timedelta
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
from django.db import transaction  # noqa: E402

from urikake.domain import ledger as rules  # noqa: E402
from urikake.domain.ledger import JournalEntry  # noqa: E402
from urikake.ledger import services  # noqa: E402

BANK = rules.cash("0001", "001", "1234567")
ACTOR = "system:bench"
START = date(2026, 4, 1)


def deal(run: str, i: int) -> list[JournalEntry]:
    """Purchase, payout and collection of one invoice: 3 entries, 9 legs."""
    client, debtor = f"C{i % 200}", f"D{i % 50}"
    on = START + timedelta(days=i % 180)
    face = 100_000 + (i * 7919) % 9_000_000
    fee, held = face * 3 // 100, face // 10
    return [
        rules.purchase_receivable(
            f"{run}:purchase:{i}",
            on,
            client=client,
            debtor=debtor,
            face=face,
            fee=fee,
            reserve_amount=held,
        ),
        rules.payout(
            f"{run}:payout:{i}",
            on,
            client=client,
            cash_account=BANK,
            amount=face - fee - held,
            transfer_fee=330,
        ),
        rules.collection(
            f"{run}:collection:{i}",
            on + timedelta(days=60),
            client=client,
            debtor=debtor,
            cash_account=BANK,
            received=face,
        ),
    ]


def main() -> None:
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:8]  # a scratch PostgreSQL database may already hold earlier runs
    rows: list[Row] = []
    (n,) = sizes([5_000], [100])
    entries = [e for i in range(n) for e in deal(run, i)]

    def post_each() -> None:
        for entry in entries:
            services.post(entry, actor=ACTOR)  # one transaction (and audit record) each

    _, secs = timed(post_each)
    rows.append(Row("post, one transaction each", len(entries), secs, "entry"))

    def repost_all() -> None:
        for entry in entries:
            services.post(entry, actor=ACTOR)

    _, secs = timed(repost_all)
    rows.append(Row("re-post (idempotent no-op)", len(entries), secs, "entry"))

    more = [e for i in range(n, n + n // 5) for e in deal(run, i)]

    def post_in_one_transaction() -> None:
        with transaction.atomic():
            for entry in more:
                services.post(entry, actor=ACTOR)

    _, secs = timed(post_in_one_transaction)
    rows.append(Row("post, one transaction for all", len(more), secs, "entry"))

    total = len(entries) + len(more)
    tb, secs = timed(services.trial_balance)
    assert tb.balanced, "the trial balance must balance"
    rows.append(Row("trial balance (all entries)", total, secs, "entry"))
    _, secs = timed(lambda: services.trial_balance(START + timedelta(days=90)))
    rows.append(Row("trial balance as of a date", total, secs, "entry"))
    _, secs = timed(lambda: services.balances("receivable:"))
    rows.append(Row("balances by prefix (receivables)", total, secs, "entry"))
    lines, secs = timed(lambda: services.account_statement(BANK))
    rows.append(Row("statement of the busy cash account", len(lines), secs, "line"))
    print_table(f"Ledger ({os.environ['DATABASE_URL'].split(':')[0]})", rows)


if __name__ == "__main__":
    main()
