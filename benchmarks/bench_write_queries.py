"""Queries and in-process CPU per WRITE route of the load mix, and of the tasks it queues.

bench_route_cpu.py measures what a gunicorn worker, the task worker and PostgreSQL spend on
each route; this says why, for the writes of load/locustfile.py (register an invoice, submit
an application, upload a bank statement, a reconciliation run, upload a collection
statement). It prepares the same database as bench_route_queries.py (a scratch PostgreSQL
database, ``urikake migrate``, the demo data and sessions of ``load/seed.py``), then, in ONE
process in the production configuration, sends each write through Django's test client (the
WSGI handler, every middleware and the CSRF check) and runs the background tasks the
requests queued with django-tasks-db's own worker loop (``Worker.run_task``), in the same
process. Printed per route: the status, SQL queries and Python function calls of one request
(counts: the same on a loaded machine), CPU per request (``time.process_time``, after
warm-up requests), and the same for the tasks it queued (per request) with their names.
``--profile`` adds, per route, the functions with the most cumulative time of the requests
and of the tasks (cProfile, CPU time); ``--sql`` the queries of one request and of its tasks.

Usage: ``python benchmarks/bench_write_queries.py [--requests N] [--only SUBSTRING]
[--profile [tottime]] [--sql]``; ``BENCH_QUERIES_KEEP_DB=name`` keeps and reuses one seeded
database, ``BENCH_QUERIES_SRC=dir`` runs another checkout's ``src`` on it (before/after),
``BENCH_PROFILE_DIR=dir`` also writes the profiles there (``pstats``: callers, callees).
Needs PostgreSQL (``BENCH_PG_ADMIN_URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _report import SMOKE
from bench_load import ADMIN_URL, ROOT, _pg_available, seeded_database

SESSION_COOKIE = "__Host-urikake_session"


def child(plan_path: Path, n: int, only: list[str], profile: str, sql: bool) -> None:
    """Runs in the production configuration (DJANGO_SETTINGS_MODULE, URIKAKE_ENV set)."""
    import cProfile
    import io
    import pstats
    import time
    import traceback

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult, get_date_max

    plan: dict[str, Any] = json.loads(plan_path.read_text())
    csrf = uuid.uuid4().hex  # an unmasked secret: cookie and header agree, as in the load test
    clients: dict[str, Client] = {}
    for role in ("applicant", "treasury"):
        client = Client(
            enforce_csrf_checks=True,
            HTTP_HOST="127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_REFERER="https://127.0.0.1/",
            HTTP_X_CSRFTOKEN=csrf,
        )
        client.cookies[SESSION_COOKIE] = plan["sessions"][role][0]
        client.cookies["csrftoken"] = csrf
        clients[role] = client
    statement = Path(plan["files"]["statement"]).read_bytes()
    collection = Path(plan["files"]["collection"]).read_bytes()
    invoices: list[int] = []
    numbers = iter(range(1, 10**9))

    def register() -> Any:
        today = date.today()
        i = next(numbers)
        response = clients["applicant"].post(
            "/api/receivables/invoices",
            data={
                "debtor": plan["debtors"][i % len(plan["debtors"])],
                "invoice_number": f"WQ-{uuid.uuid4().hex[:10]}",
                "issue_date": (today - timedelta(days=5)).isoformat(),
                "due_date": (today + timedelta(days=45)).isoformat(),
                "total_amount": 300_000 + 1000 * (i % 500),
            },
            content_type="application/json",
            secure=True,
        )
        if response.status_code == 201:
            invoices.append(response.json()["id"])
        return response

    def submit() -> Any:
        return clients["applicant"].post(
            "/api/receivables/applications",
            data={"product": "two_party", "invoice_ids": [invoices.pop()]},
            content_type="application/json",
            secure=True,
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )

    def upload(role: str, path: str, fields: dict[str, str], field: str, name: str, body: bytes):
        def send() -> Any:
            from django.core.files.uploadedfile import SimpleUploadedFile

            return clients[role].post(
                path, data={**fields, field: SimpleUploadedFile(name, body)}, secure=True
            )

        return send

    def reconcile() -> Any:
        return clients["treasury"].post(
            "/api/treasury/reconciliation/run", secure=True, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )

    routes: list[tuple[str, Callable[[], Any], Callable[[], None] | None]] = [
        ("applicant: register invoice (API)", register, None),
        ("applicant: submit application (API)", submit, register),
        (
            "applicant: upload bank statement",
            upload(
                "applicant",
                "/my/statements/",
                {"file_format": "generic_jp_bank"},
                "statement",
                "statement.csv",
                statement,
            ),
            None,
        ),
        ("treasury: reconciliation run (API)", reconcile, None),
        (
            "treasury: upload collection statement",
            upload(
                "treasury",
                "/backoffice/treasury/deposits/",
                {"file_format": "zengin"},
                "file",
                "collection.txt",
                collection,
            ),
            None,
        ),
    ]
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-write-queries",
        excluded_queue_names=[],
    )

    def run_tasks() -> Counter[str]:
        """Run every due task (as ``urikake worker`` would); which ones ran."""
        started = timezone.now()
        worker.run()
        return Counter(
            DBTaskResult.objects.filter(finished_at__gte=started).values_list(
                "task_path", flat=True
            )
        )

    def caller(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
        frames = [
            f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
            for f in traceback.extract_stack()
            if "/urikake/" in f.filename and "bench_write" not in f.filename
        ]
        callers.append((sql_text, " < ".join(reversed(frames[-3:]))))
        return execute(sql_text, params, many, context)

    # A kept database holds the retries of earlier runs' mail (the production settings have
    # no approved SMTP connection: every delivery is refused and retried 1, 2, 4 … minutes
    # later); dropped, so that only the tasks of the measured requests run.
    DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max()).delete()
    header = (
        f"{'route':<38} {'status':>6} {'queries':>7} {'calls':>7} {'cpu ms':>7} "
        f"{'task q':>6} {'task calls':>10} {'task ms':>7}  tasks"
    )
    print(header)
    print("-" * len(header), flush=True)
    for name, send, prepare in routes:
        if only and not any(part in name for part in only):
            continue
        if prepare is not None:
            for _ in range(n + 5):
                prepare()
            run_tasks()
        for _ in range(3):  # warm-up: templates compiled, caches filled
            response = send()
            run_tasks()
        callers: list[tuple[str, str]] = []
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(caller):
            response = send()
        count = len(queries.captured_queries)  # BEGIN, SAVEPOINT … included
        captured = callers
        callers = []
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(caller):
            ran = run_tasks()
        task_count = len(queries.captured_queries)
        task_captured = callers
        # calls: Python function calls of one request and of its tasks (counts)
        counter = cProfile.Profile()
        counter.enable()
        send()
        counter.disable()
        calls = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]
        counter = cProfile.Profile()
        counter.enable()
        run_tasks()
        counter.disable()
        task_calls = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]
        web_profiler = cProfile.Profile(time.process_time) if profile else None
        task_profiler = cProfile.Profile(time.process_time) if profile else None
        web_cpu = task_cpu = 0.0
        for _ in range(n):
            started = time.process_time()
            if web_profiler:
                web_profiler.enable()
            send()
            if web_profiler:
                web_profiler.disable()
            web_cpu += time.process_time() - started
            started = time.process_time()
            if task_profiler:
                task_profiler.enable()
            run_tasks()
            if task_profiler:
                task_profiler.disable()
            task_cpu += time.process_time() - started
        tasks = ",".join(f"{path.rsplit('.', 1)[-1]}×{k}" for path, k in sorted(ran.items()))
        print(
            f"{name:<38} {response.status_code:>6} {count:>7} {calls:>7} "
            f"{web_cpu * 1000 / n:>7.1f} {task_count:>6} {task_calls:>10} "
            f"{task_cpu * 1000 / n:>7.1f}  {tasks}",
            flush=True,
        )
        if sql:
            for query, where in captured:
                print(f"    {query[:160]}\n        ← {where}")
            print("  tasks:")
            for query, where in task_captured:
                print(f"    {query[:160]}\n        ← {where}")
        for label, profiler in (("request", web_profiler), ("tasks", task_profiler)):
            if profiler and os.environ.get("BENCH_PROFILE_DIR"):  # for pstats' print_callees
                slug = "".join(c if c.isalnum() else "-" for c in name)
                profiler.dump_stats(Path(os.environ["BENCH_PROFILE_DIR"]) / f"{slug}.{label}.prof")
            if profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(profile).print_stats(70)
                print(f"--- {name}: {label}\n{out.getvalue()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5 if SMOKE else 20)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cumulative",
        default="",
        help="profile the measured requests and tasks (CPU time), sorted by this key",
    )
    parser.add_argument("--sql", action="store_true", help="print the queries of each route")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests, args.only, args.profile, args.sql)
        return
    if not _pg_available():
        print(f"bench_write_queries: PostgreSQL not reachable at {ADMIN_URL}; skipped")
        return
    with seeded_database("writes") as (production, plan):
        command = [sys.executable, __file__, "--child", str(plan), "--requests", str(args.requests)]
        for part in args.only:
            command += ["--only", part]
        command += ["--profile", args.profile] * bool(args.profile) + ["--sql"] * args.sql
        print(
            f"\nWrites in-process (Django test client + the tasks they queue, production "
            f"settings, PostgreSQL; load average {os.getloadavg()[0]:.1f})"
        )
        if os.environ.get("BENCH_QUERIES_SRC"):  # another checkout's code, same database
            production = {**production, "PYTHONPATH": os.environ["BENCH_QUERIES_SRC"]}
        # Every mail is refused (no approved SMTP connection) and logged as a warning.
        production = {**production, "LOG_LEVEL": "ERROR"}
        if os.environ.get("BENCH_PROFILE_DIR"):
            production = {**production, "BENCH_PROFILE_DIR": os.environ["BENCH_PROFILE_DIR"]}
        subprocess.run(command, env=production, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
