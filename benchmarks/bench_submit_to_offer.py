"""Submit → decision over HTTP: POST an application, poll until screening has decided.

End to end through the real processes: a threaded WSGI server (the ``urikake.wsgi``
application, DEBUG off) and one ``urikake worker --interval 0.05 --no-startup-delay``, both
subprocesses on a throw-away SQLite database in a temporary directory. A verified organisation
with debtors, 12 months of bank statements and N invoices is created through the services;
then, one at a time, each invoice is applied for with ``POST /api/receivables/applications``
and ``GET /api/receivables/applications/{id}`` is polled until the status has left
submitted/screening. Reported: median and p95 submit-to-decision latency, throughput, and the
peak memory of the three processes. Target: p95 ≤ 1 s. Screening calls the 反社 vendor and the
credit bureau as in production: their local simulators run on loopback, the two connections are
approved in the register, and the table is followed by the referral reasons and the vendor calls.

    .venv/bin/python benchmarks/bench_submit_to_offer.py          # N = 50
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_submit_to_offer.py   # N = 5
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes

POLL_SECONDS = 0.01
DECISION_TIMEOUT = 60.0
PENDING = {"submitted", "screening"}
DEBTORS = [
    ("株式会社ヤマダ商事", "カブシキガイシャヤマダシヨウジ", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"),
    ("株式会社カワダ物産", "カブシキガイシャカワダブツサン", "ｶ)ｶﾜﾀﾞﾌﾞﾂｻﾝ"),
    ("株式会社モリタ工業", "カブシキガイシャモリタコウギヨウ", "ｶ)ﾓﾘﾀｺｳｷﾞﾖｳ"),
    ("株式会社ハヤシ建設", "カブシキガイシャハヤシケンセツ", "ｶ)ﾊﾔｼｹﾝｾﾂ"),
    ("株式会社イシダ電機", "カブシキガイシャイシダデンキ", "ｶ)ｲｼﾀﾞﾃﾞﾝｷ"),
]


def serve(port: int) -> None:
    """The web process: the project's WSGI application in a threaded server (one thread per
    request, like a threaded gunicorn worker), quiet request logging."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from urikake.wsgi import application

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    with make_server("127.0.0.1", port, application, Server, Quiet) as httpd:
        httpd.serve_forever()


if len(sys.argv) == 3 and sys.argv[1] == "--serve":
    serve(int(sys.argv[2]))
    raise SystemExit(0)

tmp = tempfile.mkdtemp(prefix="urikake-bench-")
os.environ["URIKAKE_VAR_DIR"] = tmp
os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
os.environ["DEBUG"] = "0"
LOG = Path(tmp) / "processes.log"  # the web server's and the worker's output
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from urikake.accounts.models import User  # noqa: E402
from urikake.accounts.roles import StaffRole  # noqa: E402
from urikake.applicants import services as applicant_services  # noqa: E402
from urikake.applicants.data_use import Use  # noqa: E402
from urikake.applicants.models import Membership, Organization  # noqa: E402
from urikake.connections.demo import load as approve_simulator_connections  # noqa: E402
from urikake.domain.invoices import InvoiceData, TaxBreakdown  # noqa: E402
from urikake.domain.statements import (  # noqa: E402
    Direction,
    SourceFormat,
    Statement,
    StatementLine,
)
from urikake.integrations.antisocial.simulator import AntisocialSimulator  # noqa: E402
from urikake.integrations.credit_bureau.simulator import CreditBureauSimulator  # noqa: E402
from urikake.kyc import services as kyc  # noqa: E402
from urikake.plans import services as plan_services  # noqa: E402
from urikake.receivables import services  # noqa: E402
from urikake.receivables.models import Debtor, FinancingApplication  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _peak_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _setup() -> tuple[User, Organization, list[Debtor]]:
    """A verified organisation, its debtors and a year of statements."""
    user = User.objects.create_user(email="bench@example.jp", password=secrets.token_hex(16))
    org = Organization.objects.create(
        kind="corporation", name="株式会社ベンチ売主", name_kana="ベンチウリヌシ"
    )
    Membership.objects.create(user=user, organization=org, role="owner")
    # Screening calls the 反社 vendor and the credit bureau (the local simulators, started by
    # run()) as production does: the applicant consents to both uses, and the two connections
    # are walked through the approval steps by two compliance officers, or the gate refuses.
    applicant_services.give_data_use_consent(org, list(Use), acting_user=user, ip="127.0.0.1")
    officers = [
        User.objects.create_user(
            email=f"compliance{i}@bench.example.jp",
            password=secrets.token_hex(16),
            is_staff=True,
            staff_role=StaffRole.COMPLIANCE,
        )
        for i in (1, 2)
    ]
    approve_simulator_connections(maker=officers[0], checker=officers[1])
    # Offers are not accepted here, so every one holds its face value against the line: a line
    # at the cap keeps the later applications from being referred for the line alone.
    plan_services.adjust_credit_line(
        org, amount=50_000_000, reason="ベンチマーク用の限度額", acting_user=officers[0]
    )
    kyc.record_verified_check(org, requested_by=user, acting_user="system:bench")
    today = timezone.localdate()
    debtors = []
    lines: list[StatementLine] = []
    for d, (name, kana, payer) in enumerate(DEBTORS):
        debtors.append(services.register_debtor(org, acting_user=user, name=name, name_kana=kana))
        for m in range(1, 13):
            day = (today.replace(day=1) - timedelta(days=30 * m)).replace(day=25)
            lines.append(
                StatementLine(
                    value_date=day,
                    direction=Direction.DEPOSIT,
                    amount=1_100_000 + 11_000 * d,
                    counterparty=payer,
                    reference=f"{d:02d}{m:06d}",
                    line_number=len(lines) + 1,
                )
            )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "1234567", "", None, None, tuple(lines)
    )
    services.import_statement(org, statement, acting_user=user, content=b"bench")
    return user, org, debtors


def _register_invoice(user: User, org: Organization, debtors: list[Debtor], i: int) -> int:
    """The i-th invoice, registered through the service just before it is applied for (so
    that invoice numbers rise per debtor as they do in real life)."""
    today = timezone.localdate()
    d = i % len(DEBTORS)
    amount = 330_000 + 3_300 * d + 110 * (i // len(DEBTORS))  # 50 of them stay under the line
    debtor = debtors[d]
    invoice = services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number=f"B-{i:05d}",
            issue_date=today - timedelta(days=1),
            due_date=today + timedelta(days=45 + i % 30),
            total_amount=amount,
            tax_breakdown=(
                TaxBreakdown(
                    Decimal("0.10"),
                    amount * 10 // 11,
                    amount - amount * 10 // 11,
                ),
            ),
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )
    return int(invoice.pk)


class Http:
    """urllib with the session cookie of a logged-in applicant and a CSRF token."""

    def __init__(self, base: str, session_cookie: str) -> None:
        self.base = base
        self.csrf = secrets.token_hex(16)  # a 32-character secret: a valid unmasked token
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session_cookie}; "
            f"{settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={
                "Cookie": self.cookie,
                "X-CSRFToken": self.csrf,
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")


def _wait_until_up(http: Http, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the web server exited during start-up (see {LOG})")
        try:
            status, _ = http.request("GET", "/api/receivables/debtors")
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    raise SystemExit(f"the web server did not start (see {LOG})")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def _submit_and_wait(http: Http, invoice_id: int, key: str) -> tuple[float, str]:
    """POST one application, poll until decided: (seconds from submit to decision, status)."""
    t0 = time.perf_counter()
    status, body = http.request(
        "POST",
        "/api/receivables/applications",
        {"product": "three_party", "invoice_ids": [invoice_id]},
        {"Idempotency-Key": key},
    )
    if status != 201:
        raise SystemExit(f"submit failed: {status} {body}")
    url = f"/api/receivables/applications/{body['id']}"
    while body["status"] in PENDING:
        if time.perf_counter() - t0 > DECISION_TIMEOUT:
            raise SystemExit(f"no decision within {DECISION_TIMEOUT} s: {body}")
        time.sleep(POLL_SECONDS)
        _, body = http.request("GET", url)
    return time.perf_counter() - t0, str(body["status"])


def run(n: int) -> None:
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    user, org, debtors = _setup()
    client = Client()
    client.force_login(user)
    session_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    antisocial = AntisocialSimulator(
        "127.0.0.1", 0, token=settings.ANTISOCIAL_SCREENING_TOKEN
    ).start()
    bureau = CreditBureauSimulator("127.0.0.1", 0, token=settings.CREDIT_BUREAU_TOKEN).start()
    env = {
        **os.environ,
        "SCREENING_VENDOR_CHECKS": "1",
        "ANTISOCIAL_SCREENING_URL": antisocial.url,
        "CREDIT_BUREAU_URL": bureau.url,
    }
    port = _free_port()
    log = LOG.open("wb")
    here = Path(__file__).resolve()
    web = subprocess.Popen(
        [sys.executable, str(here), "--serve", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "urikake",
            "worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    http = Http(f"http://127.0.0.1:{port}", session_cookie)
    try:
        _wait_until_up(http, web)
        # The first application pays the processes' cold start (imports, the scoring model):
        # reported on its own line, not mixed into the steady-state figures.
        first = _register_invoice(user, org, debtors, 0)
        cold, _ = _submit_and_wait(http, first, "bench-warm-up")
        latencies: list[float] = []
        outcomes: Counter[str] = Counter()
        started = time.perf_counter()
        setup_seconds = 0.0
        for i in range(1, n + 1):
            t = time.perf_counter()
            invoice_id = _register_invoice(user, org, debtors, i)
            setup_seconds += time.perf_counter() - t
            latency, status = _submit_and_wait(http, invoice_id, f"bench-{i}")
            latencies.append(latency)
            outcomes[status] += 1
        elapsed = time.perf_counter() - started - setup_seconds  # HTTP + screening only
        web_rss, worker_rss = _peak_rss_mib(web.pid), _peak_rss_mib(worker.pid)
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # pragma: no cover
                proc.kill()
        log.close()
        antisocial.stop()
        bureau.stop()

    print_table(
        "Submit → decision over HTTP (SQLite, threaded WSGI server + 1 worker, sequential)",
        [Row("submit → decision, one at a time", n, elapsed, "app")],
    )
    median = statistics.median(latencies)
    p95 = _percentile(latencies, 95)
    print(
        f"latency: median {median * 1000:.0f} ms · p95 {p95 * 1000:.0f} ms · "
        f"max {max(latencies) * 1000:.0f} ms (target p95 ≤ 1000 ms: "
        f"{'met' if p95 <= 1.0 else 'MISSED'}) · cold start (first application, "
        f"not counted) {cold * 1000:.0f} ms"
    )
    print(f"peak RSS: web server {web_rss:.0f} MiB · worker {worker_rss:.0f} MiB")
    print("decisions: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    reasons: Counter[str] = Counter()
    for result in FinancingApplication.objects.filter(status="referred").values_list(
        "screening_result", flat=True
    ):
        reasons.update(str(r.get("code", r)) for r in result.get("reasons", []))
    print("referral reasons: " + (", ".join(f"{k} {v}" for k, v in reasons.most_common()) or "—"))
    print(f"vendor calls: 反社 {antisocial.calls} · credit bureau {bureau.calls}")


def main() -> None:
    (n,) = sizes([50], [5])
    run(n)


if __name__ == "__main__":
    main()
