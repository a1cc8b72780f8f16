"""Queries and in-process CPU per browsing route, with an optional profile (no gunicorn).

bench_route_cpu.py measures what a gunicorn worker spends on each route; this says why. It
prepares the same database as bench_load.py (a scratch PostgreSQL database, ``urikake
migrate``, the demo data and signed-in sessions of ``load/seed.py``), then, in ONE process in
the production configuration, sends each browsing route of the load test's mix through
Django's test client (the WSGI handler and every middleware, no network) and prints per
route: the status, the number of SQL queries of one request, the number of Python function
calls of one request (cProfile's count: the same on a loaded machine, unlike any time) and
the process CPU time per request (``time.process_time``, after warm-up requests).
``--profile`` adds, per route, the functions with the most cumulative time (cProfile, CPU
time) over the measured requests; ``--sql`` the queries and the project's code that made each.

Usage: ``python benchmarks/bench_route_queries.py [--requests N] [--only SUBSTRING]
[--profile [tottime]] [--sql]``; ``BENCH_QUERIES_KEEP_DB=name`` keeps and reuses one seeded
database, ``BENCH_QUERIES_SRC=dir`` runs another checkout's ``src`` on it (before/after).
Needs PostgreSQL (``BENCH_PG_ADMIN_URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from _report import SMOKE, machine_speed
from bench_load import ADMIN_URL, ROOT, _pg_available, seeded_database

SESSION_COOKIE = "__Host-urikake_session"

# (role, path, name): the browsing requests of load/locustfile.py
ROUTES = [
    ("applicant", "/my/", "applicant: home"),
    ("applicant", "/my/invoices/", "applicant: invoices"),
    ("applicant", "/my/applications/", "applicant: applications"),
    ("applicant", "/my/statements/", "applicant: statements"),
    ("applicant", "/my/debtors/", "applicant: debtors"),
    ("client", "/my/", "client: home"),
    ("client", "/my/treasury/", "client: treasury"),
    ("client", "/my/contracts/", "client: contracts"),
    ("client", "/api/treasury/my/payouts", "client: payouts (API)"),
    ("reviewer", "/backoffice/screening/", "reviewer: screening queue"),
    ("reviewer", "/backoffice/screening/{application}/", "reviewer: application detail"),
    ("treasury", "/backoffice/treasury/deposits/", "treasury: deposits"),
]


def child(
    plan_path: Path, n: int, only: list[str], profile: str, sql: bool, mixed: bool = False
) -> None:
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

    plan: dict[str, Any] = json.loads(plan_path.read_text())
    header = f"{'route':<34} {'status':>6} {'queries':>7} {'calls':>7} {'cpu ms':>7}"
    print(header)
    print("-" * len(header), flush=True)
    applications = plan["applications"]
    in_a_row: list[float] = []
    by_area: list[Any] = []
    clients: list[tuple[Any, str]] = []
    for role, path, name in ROUTES:
        if only and not any(part in name for part in only):
            continue
        client = Client(
            HTTP_HOST="127.0.0.1",
            HTTP_X_FORWARDED_PROTO="https",
        )
        client.cookies[SESSION_COOKIE] = plan["sessions"][role][0]
        url = path.format(application=applications[0])
        for _ in range(3):  # warm-up: templates compiled, caches filled
            response = client.get(url, secure=True)
        callers: list[str] = []

        def where(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
            # the innermost frames of the project (or a template tag) that made the query
            frames = [
                f"{Path(f.filename).parent.name}/{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_stack()
                if "/urikake/" in f.filename and "bench_route" not in f.filename
            ]
            callers.append(" < ".join(reversed(frames[-3:])))
            return execute(sql_text, params, many, context)

        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(where):
            response = client.get(url, secure=True)
        # read now: the next request's start clears the connection's query log
        captured = [query["sql"] for query in queries.captured_queries]
        profiler = cProfile.Profile(time.process_time) if profile else None
        started = time.process_time()
        if profiler:
            profiler.enable()
        for _ in range(n):
            client.get(url, secure=True)
        if profiler:
            profiler.disable()
        cpu = (time.process_time() - started) * 1000 / n
        in_a_row.append(cpu)
        clients.append((client, url))
        # Python function calls of one request: a count, so the same on a loaded machine
        counter = cProfile.Profile()
        counter.enable()
        client.get(url, secure=True)
        counter.disable()
        calls = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]
        print(
            f"{name:<34} {response.status_code:>6} {len(captured):>7} {calls:>7} {cpu:>7.1f}",
            flush=True,
        )
        if sql:
            for query, caller in zip(captured, callers, strict=False):
                print(f"    {query[:150]}\n        ← {caller}")
        if profiler and profile == "area":
            by_area.append(profiler)
        elif profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(profile).print_stats(60)
            print(out.getvalue())
    if by_area:
        print_areas(by_area)
    if mixed and clients:
        # The same routes one after another, round after round, as a worker under the load's
        # mix serves them: each request finds the CPU caches full of the previous page's code
        # and data instead of its own (the in-a-row figures above are the warm case).
        started = time.process_time()
        for _ in range(n):
            for client, url in clients:
                client.get(url, secure=True)
        interleaved = (time.process_time() - started) * 1000 / (n * len(clients))
        mean = sum(in_a_row) / len(in_a_row)
        print(
            f"\nmean of the routes: in a row {mean:.1f} ms, interleaved {interleaved:.1f} ms "
            f"({interleaved / mean:.2f}×)"
        )


# Where a request's CPU goes, by the code that spends it (a function's own time, cProfile's
# tottime): the first prefix of its file's path that matches names the area.
AREAS = [
    ("/django/template/", "Django templates"),
    ("/django/templatetags/", "Django templates"),
    ("/django/utils/translation/", "Django translation"),
    ("/django/db/models/sql/", "Django ORM: SQL compiler"),
    ("/django/db/", "Django ORM: other"),
    ("/psycopg", "psycopg"),
    ("/django/contrib/sessions/", "sessions"),
    ("/django/middleware/", "Django middleware"),
    ("/django/urls/", "URL resolving/reversing"),
    ("/django/forms/", "Django forms"),
    ("/django/", "Django: other"),
    ("/urikake/web/templates", "Django templates"),
    ("/urikake/", "Urikake's own code"),
    ("site-packages/", "other libraries"),
    ("~", "built-ins (C functions and methods)"),
    ("", "standard library"),
]


def print_areas(stats: list[Any]) -> None:
    """Sum the routes' profiles (equal weight per route) by area (``--profile area``)."""
    import pstats

    total = pstats.Stats(stats[0])
    for more in stats[1:]:
        total.add(more)
    spent: dict[str, float] = {}
    files: dict[str, float] = {}
    for (filename, _line, name), row in total.stats.items():  # type: ignore[attr-defined]
        area = next(label for prefix, label in AREAS if prefix in filename or not prefix)
        spent[area] = spent.get(area, 0.0) + row[2]  # tottime
        where = name if filename == "~" else "/".join(Path(filename).parts[-3:])
        files[where] = files.get(where, 0.0) + row[2]
    whole = sum(spent.values()) or 1.0
    print(f"\n{'area (own time of its functions)':<40} {'share':>6}")
    for area, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"{area:<40} {100 * seconds / whole:>5.1f}%")
    print(f"\n{'file or built-in (own time)':<60} {'share':>6}")
    for where, seconds in sorted(files.items(), key=lambda kv: -kv[1])[:30]:
        print(f"{where[-60:]:<60} {100 * seconds / whole:>5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=5 if SMOKE else 30)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cumulative",
        default="",
        help="profile the measured requests (CPU time), sorted by this key (default "
        "cumulative); 'area' sums all routes' profiles by the code that spent the time",
    )
    parser.add_argument("--sql", action="store_true", help="print the queries of each route")
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="also send the routes round-robin and compare their mean CPU with the in-a-row one",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.requests, args.only, args.profile, args.sql, args.mixed)
        return
    if not _pg_available():
        print(f"bench_route_queries: PostgreSQL not reachable at {ADMIN_URL}; skipped")
        return
    with seeded_database("queries") as (production, plan):
        command = [sys.executable, __file__, "--child", str(plan), "--requests", str(args.requests)]
        for part in args.only:
            command += ["--only", part]
        command += ["--profile", args.profile] * bool(args.profile) + ["--sql"] * args.sql
        command += ["--mixed"] * args.mixed
        print(
            f"\nQueries and CPU per request in-process (Django test client, production settings, "
            f"PostgreSQL; load average {os.getloadavg()[0]:.1f}; machine speed "
            f"{machine_speed():.1f} ms: _report.machine_speed, lower is faster)"
        )
        if os.environ.get("BENCH_QUERIES_SRC"):  # another checkout's code, same database
            production = {**production, "PYTHONPATH": os.environ["BENCH_QUERIES_SRC"]}
        subprocess.run(command, env=production, check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
