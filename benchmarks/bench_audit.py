"""Audit trail: append throughput and full-chain verification speed.

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database) when set.

    .venv/bin/python benchmarks/bench_audit.py          # 5,000 appends, then verify 50,000
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_audit.py
"""

from __future__ import annotations

import os
import sys
import tempfile
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

from urikake.audit import services as audit  # noqa: E402
from urikake.audit.checkpoints import verify_stored_chain  # noqa: E402
from urikake.audit.models import AuditRecord  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    rows: list[Row] = []
    for n in sizes([5_000], [300]):

        def append_each(n: int = n) -> None:
            for i in range(n):
                with transaction.atomic():
                    audit.record(
                        "bench.event",
                        actor="system:bench",
                        object_type="bench.thing",
                        object_id=str(i),
                        payload={"i": i, "amount": 1000 * i, "memo": "売掛債権の買取"},
                    )

        _, secs = timed(append_each)
        rows.append(Row("append, one transaction each", n, secs, "rec"))

    for n in sizes([50_000], [1_000]):
        have = AuditRecord.objects.count()

        def append_batch(missing: int = n - have) -> None:
            with transaction.atomic():
                for i in range(missing):
                    audit.record("bench.bulk", actor="system:bench", payload={"i": i})

        if n > have:
            _, secs = timed(append_batch)
            rows.append(Row("append, one transaction for all", n - have, secs, "rec"))
        report, secs = timed(verify_stored_chain)
        assert report.ok, report.reason
        rows.append(Row("verify whole chain", report.checked, secs, "rec"))
    print_table(f"Audit trail ({os.environ['DATABASE_URL'].split(':')[0]})", rows)


if __name__ == "__main__":
    main()
