"""Server CPU per request, route by route, on the production configuration (no locust).

Where does a request's CPU go? bench_load.py answers "how many requests per second"; this
answers "what does one request of each kind cost". It brings up the same stack as
bench_load.py (a scratch PostgreSQL database, the demo data, gunicorn with ``deploy/
gunicorn.conf.py``, a task worker) with ONE web worker, then sends each route of the load
test's mix ``N`` times in a row from one client (after a few warm-up requests) and reads the
worker's CPU (user + system, ``/proc/<pid>/stat``) before and after. The client's own CPU is
not counted, nor is the machine's load (CPU time, not wall time, is the figure to compare).

Columns: requests, the web worker's CPU per request, the task worker's CPU per request (work
the request queued: screening, statement imports), PostgreSQL's CPU per request (the
backends of this database that were alive at both readings: with persistent connections all
of them), and the wall time per request (sequential, one client; noisy on a shared machine).

Usage: ``python benchmarks/bench_route_cpu.py [--requests N] [--only SUBSTRING]``;
``BENCH_SMOKE=1``: 5 requests per route. Needs PostgreSQL (``BENCH_PG_ADMIN_URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from _report import SMOKE, machine_speed
from bench_load import (
    ADMIN_URL,
    Stack,
    _pg_available,
    database_backends_cpu,
    process_cpu,
    production_stack,
)

SESSION_COOKIE = "__Host-urikake_session"


@dataclass
class Route:
    name: str
    send: Callable[[requests.Session], requests.Response]


class Client:
    """One signed-in person of each role, as the load test's users are."""

    def __init__(self, stack: Stack) -> None:
        self.base = f"http://127.0.0.1:{stack.port}"
        self.plan: dict[str, Any] = json.loads(stack.plan.read_text())
        self.csrf = uuid.uuid4().hex  # an unmasked secret: cookie and header agree
        self.sessions: dict[str, requests.Session] = {}
        for role in ("applicant", "client", "reviewer", "treasury"):
            session = requests.Session()
            session.headers.update(
                {
                    "X-Forwarded-Proto": "https",
                    # CSRF over HTTPS checks the Referer against the host, port included
                    "Referer": f"https://127.0.0.1:{stack.port}/",
                    "X-CSRFToken": self.csrf,
                    "Connection": "close",
                }
            )
            session.cookies.set(SESSION_COOKIE, self.plan["sessions"][role][0])
            session.cookies.set("csrftoken", self.csrf)
            self.sessions[role] = session
        self.invoices: list[int] = []
        self.statement = Path(self.plan["files"]["statement"]).read_bytes()
        self.collection = Path(self.plan["files"]["collection"]).read_bytes()

    def get(self, role: str, path: str) -> requests.Response:
        return self.sessions[role].get(self.base + path, allow_redirects=False)

    def post(self, role: str, path: str, **kwargs: Any) -> requests.Response:
        return self.sessions[role].post(self.base + path, allow_redirects=False, **kwargs)

    def register_invoice(self) -> requests.Response:
        today = date.today()
        response = self.post(
            "applicant",
            "/api/receivables/invoices",
            json={
                "debtor": self.plan["debtors"][len(self.invoices) % len(self.plan["debtors"])],
                "invoice_number": f"CPU-{uuid.uuid4().hex[:10]}",
                "issue_date": (today - timedelta(days=5)).isoformat(),
                "due_date": (today + timedelta(days=45)).isoformat(),
                "total_amount": 300_000 + 1000 * (len(self.invoices) % 500),
            },
        )
        if response.status_code == 201:
            self.invoices.append(response.json()["id"])
        else:
            print(f"register invoice: {response.status_code} {response.text[:300]}", flush=True)
        return response

    def submit(self) -> requests.Response:
        if not self.invoices:
            registered = self.register_invoice()
            if registered.status_code != 201:
                return registered  # its status shows in the table
        return self.post(
            "applicant",
            "/api/receivables/applications",
            json={"product": "two_party", "invoice_ids": [self.invoices.pop()]},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    def routes(self) -> list[Route]:
        def page(role: str, path: str) -> Callable[[requests.Session], requests.Response]:
            return lambda _s: self.get(role, path)

        applications = self.plan["applications"]
        detail = iter(applications * 10_000)
        return [
            Route(
                "baseline: /healthz (no session)",
                lambda _s: requests.get(
                    self.base + "/healthz",
                    headers={"X-Forwarded-Proto": "https"},
                    allow_redirects=False,
                ),
            ),
            Route("static file (whitenoise)", page("applicant", "/static/urikake/site.css")),
            Route("applicant: home", page("applicant", "/my/")),
            Route("applicant: invoices", page("applicant", "/my/invoices/")),
            Route("applicant: applications", page("applicant", "/my/applications/")),
            Route("applicant: statements", page("applicant", "/my/statements/")),
            Route("applicant: debtors", page("applicant", "/my/debtors/")),
            Route("client: home", page("client", "/my/")),
            Route("client: treasury", page("client", "/my/treasury/")),
            Route("client: contracts", page("client", "/my/contracts/")),
            Route("client: payouts (API)", page("client", "/api/treasury/my/payouts")),
            Route("reviewer: screening queue", page("reviewer", "/backoffice/screening/")),
            Route(
                "reviewer: application detail",
                lambda _s: self.get("reviewer", f"/backoffice/screening/{next(detail)}/"),
            ),
            Route("treasury: deposits", page("treasury", "/backoffice/treasury/deposits/")),
            Route("applicant: register invoice (API)", lambda _s: self.register_invoice()),
            Route("applicant: submit application (API)", lambda _s: self.submit()),
            Route(
                "applicant: upload bank statement",
                lambda _s: self.post(
                    "applicant",
                    "/my/statements/",
                    data={"file_format": "generic_jp_bank"},
                    files={"statement": ("statement.csv", self.statement, "text/csv")},
                ),
            ),
            Route(
                "treasury: reconciliation run (API)",
                lambda _s: self.post(
                    "treasury",
                    "/api/treasury/reconciliation/run",
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                ),
            ),
            Route(
                "treasury: upload collection statement",
                lambda _s: self.post(
                    "treasury",
                    "/backoffice/treasury/deposits/",
                    data={"file_format": "zengin"},
                    files={"file": ("collection.txt", self.collection, "text/plain")},
                ),
            ),
        ]


def _settle(stack: Stack, seconds: float = 20.0) -> None:
    """Wait until the task worker is idle (its CPU stops moving), so its work is attributed."""
    deadline = time.monotonic() + seconds
    last = process_cpu(stack.worker.pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = process_cpu(stack.worker.pid)
        if now - last < 0.02:
            return
        last = now


def measure(
    stack: Stack, n: int, only: list[str], database: str
) -> list[tuple[str, int, float, float, float, float, str]]:
    client = Client(stack)
    (web_pid,) = stack.web_worker_pids()
    rows = []
    for route in client.routes():
        if only and not any(part in route.name for part in only):
            continue
        statuses: set[int] = set()
        for _ in range(3):  # warm-up: templates compiled, caches filled
            statuses.add(route.send(requests.Session()).status_code)
        _settle(stack)
        web0, task0, db0 = (
            process_cpu(web_pid),
            process_cpu(stack.worker.pid),
            database_backends_cpu(database),
        )
        started = time.perf_counter()
        for _ in range(n):
            statuses.add(route.send(requests.Session()).status_code)
        wall = time.perf_counter() - started
        _settle(stack)
        web1, task1, db1 = (
            process_cpu(web_pid),
            process_cpu(stack.worker.pid),
            database_backends_cpu(database),
        )
        db = sum(cpu - db0[pid] for pid, cpu in db1.items() if pid in db0)
        rows.append(
            row := (
                route.name,
                n,
                (web1 - web0) * 1000 / n,
                (task1 - task0) * 1000 / n,
                db * 1000 / n,
                wall * 1000 / n,
                ",".join(str(s) for s in sorted(statuses)),
            )
        )
        print(_line(*row), flush=True)
    return rows


def _line(name: str, n: int, web: float, task: float, db: float, wall: float, statuses: str) -> str:
    return f"{name[:40]:<40} {n:>5} {web:>7.1f} {task:>8.1f} {db:>6.1f} {wall:>8.1f} {statuses:>8}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Server CPU per request, route by route")
    parser.add_argument("--requests", type=int, default=5 if SMOKE else 100)
    parser.add_argument(
        "--only", action="append", default=[], help="only routes whose name contains this"
    )
    args = parser.parse_args()
    if not _pg_available():
        print(f"bench_route_cpu: PostgreSQL not reachable at {ADMIN_URL}; skipped")
        return
    with production_stack(web_workers=1) as stack:
        print(
            f"\nServer CPU per request, one gunicorn worker, PostgreSQL on loopback "
            f"(load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs, "
            f"machine speed {machine_speed():.1f} ms: _report.machine_speed, lower is faster)"
        )
        header = (
            f"{'route':<40} {'n':>5} {'web ms':>7} {'task ms':>8} {'db ms':>6} "
            f"{'wall ms':>8} {'status':>8}"
        )
        print(header)
        print("-" * len(header), flush=True)
        measure(stack, args.requests, args.only, stack.database)
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
