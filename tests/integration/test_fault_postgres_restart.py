"""Fault test: PostgreSQL restarted in the middle of load (issue 14, item 4).

The production configuration (gunicorn with two workers, ``URIKAKE_ENV=production``) runs on a
PRIVATE PostgreSQL cluster made for this test (``initdb`` in a temporary directory, its own
port): the shared server other tests use is never stopped. While a few threads send reads,
applicant writes (invoices) and idempotent offer acceptances (``Idempotency-Key``), the
cluster is stopped and started again twice — ``pg_ctl stop -m fast`` (clients disconnected,
clean shutdown) and ``-m immediate`` (a crash: recovery from WAL on start).

What must hold: every request during the outage gets an answer within the client's timeout
— 503 with ``Retry-After``: the JSON error shape ``service.unavailable`` on ``/api/``, the
site's 503 page on pages (``/healthz`` answers its own 503 report) — never a 500 or a
traceback; the service recovers by itself (the
connection kept between requests is checked before each request and replaced when PostgreSQL
is back); afterwards every write is either fully there or not at all (an invoice and
its audit record together), each retried write took effect exactly once, and
``urikake audit verify`` and ``urikake ledger check`` pass. The figures (outage length, failed
requests and how they failed) are printed (``pytest -s``) and recorded in docs/operations.md.

Skipped (with the reason) only when the PostgreSQL server binaries are not installed.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.integration.test_settings_and_cli import PRODUCTION_OK

# It brings up its own cluster, so it needs no database of the suite's; it runs once, in CI's
# PostgreSQL suite (the production configuration it tests is PostgreSQL's).
pytestmark = pytest.mark.usefixtures("postgresql_only")

# The private cluster's port: a free one unless set (CI's two suites run side by side).
PORT = int(os.environ.get("URIKAKE_FAULT_PG_PORT", "0"))
HOST = "urikake.example"
TIMEOUT = 10.0  # the client's timeout: no request may take longer
OUTAGE = 2.0  # seconds the cluster stays down each time
RUNNING = 6.0  # seconds of load before each stop (time to see the service recover)
APPLICATIONS = 2  # offers accepted with an Idempotency-Key, one as each outage begins
WRITERS = 2  # threads registering invoices until the load stops


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).parent if which else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A throw-away PostgreSQL cluster; as root it runs as the ``postgres`` OS user."""

    def __init__(self, bin_dir: Path, root: Path, port: int) -> None:
        self.bin_dir, self.root, self.port = bin_dir, root, port
        self.data = root / "data"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.root, user="postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "start")  # fmt: skip

    def stop(self, mode: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = _pg_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    root = Path(tempfile.mkdtemp(prefix="urikake-pg-"))
    os.chmod(root, 0o700)
    pg = Cluster(bin_dir, root, PORT or _free_port())
    try:
        pg.init()
        pg.start()
        subprocess.run(["psql", pg.url("postgres"), "-qc", "CREATE DATABASE urikake"], check=True,
                       capture_output=True)  # fmt: skip
        yield pg
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            pg.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


# Run with the production settings' database and keys, but not as production: it uses the
# deal fixtures, which screen without the vendors (production refuses that, rightly).
SETUP = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import reverse
from tests.fixtures.deals import make_deal

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value

# One applicant per offer (a second deal of one applicant may exceed its credit line).
# Different amounts and due dates: equal ones would be flagged as near-duplicate invoices.
deals = [
    make_deal(accept=False, amount=1_100_000 + 110_000 * i, due_days=50 + i)
    for i in range(%(n)d)
]
print(json.dumps({
    "session": session(deals[0].user),
    "debtor": deals[0].debtor.pk,
    "applications": [d.application.pk for d in deals],
    "invoices": reverse("api:receivables_invoice_create"),
    "accept": [
        (session(d.user), reverse("api:receivables_application_accept", args=[d.application.pk]))
        for d in deals
    ],
}))
"""

CHECK = r"""
import json, django
django.setup()
from urikake.audit.models import AuditRecord
from urikake.idempotency.models import IdempotentRequest
from urikake.receivables.models import FinancingApplication, Invoice
numbers = %(numbers)s
apps = %(apps)s
invoices = list(
    Invoice.objects.filter(invoice_number__in=numbers).values_list("pk", "invoice_number")
)
audited = set(AuditRecord.objects.filter(
    action="invoice.registered", object_id__in=[str(pk) for pk, _ in invoices]
).values_list("object_id", flat=True))
print(json.dumps({
    "invoices": [n for _, n in invoices],
    "all_invoices": Invoice.objects.filter(invoice_number__startswith="LOAD-").count(),
    "without_audit": [n for pk, n in invoices if str(pk) not in audited],
    "statuses": list(
        FinancingApplication.objects.filter(pk__in=apps).values_list("status", flat=True)
    ),
    "accepted_audits": AuditRecord.objects.filter(
        action="application.accepted", object_id__in=[str(a) for a in apps]).count(),
    "idempotency_rows": IdempotentRequest.objects.filter(scope__startswith="accept:").count(),
}))
"""


@dataclass
class Outcome:
    kind: str
    started: float
    seconds: float
    status: int  # 0: no HTTP answer (connection refused/reset, timeout)
    failure: str = ""  # how it failed: "json 503 database.unavailable", "html 500", ...


@dataclass
class Load:
    port: int
    session: str
    csrf: str = field(default_factory=lambda: uuid.uuid4().hex)
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def call(
        self,
        kind: str,
        method: str,
        path: str,
        body: object = None,
        session: str = "",
        **headers: str,
    ) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        # A load balancer's health check carries no session; the applicant's calls do.
        cookie = "" if path == "/healthz" else f"__Host-urikake_session={session or self.session}; "
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={
                "Host": HOST,
                "X-Forwarded-Proto": "https",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/",
                "Cookie": f"{cookie}csrftoken={self.csrf}",
                "X-CSRFToken": self.csrf,
                "Content-Type": "application/json",
                "Accept-Language": "ja",
                **headers,
            },
        )
        started = time.monotonic()
        status, content, content_type, retry_after = 0, b"", "", ""
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                status, content = response.status, response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
            content_type = exc.headers.get("Content-Type", "")
            retry_after = exc.headers.get("Retry-After", "")
        except OSError as exc:  # refused, reset, timed out: no answer at all
            content = repr(exc).encode()
        seconds = time.monotonic() - started
        failure = ""
        if status == 0:
            failure = f"no answer: {content.decode(errors='replace')[:80]}"
        elif status >= 500:
            failure = _describe(status, content_type, content)
            if status == 503 and path != "/healthz" and not retry_after.isdigit():
                failure = f"NO RETRY-AFTER {failure}"
        with self.lock:
            self.outcomes.append(Outcome(kind, started, seconds, status, failure))
        return status, content


def _describe(status: int, content_type: str, content: bytes) -> str:
    text = content.decode(errors="replace")
    if "Traceback" in text or "Exception Value" in text:
        return f"TRACEBACK {status}"
    if content_type.startswith("application/json"):
        try:
            document = json.loads(text)
            if "error" not in document and status == 503:  # /healthz's own report
                return f"json 503 health {document['status']}"
            error = document["error"]
            assert error["message"]
            return f"json {status} {error['code']}"
        except (ValueError, KeyError, TypeError, AssertionError):
            return f"BAD JSON {status}"
    if "<html" in text.lower() and "しばらく時間をおいて" in text:
        return f"error page {status}"
    return f"OTHER {status} {content_type}"


def _invoice(debtor: int, number: str) -> dict[str, object]:
    today = date.today()
    return {
        "debtor": debtor,
        "invoice_number": number,
        "issue_date": (today - timedelta(days=1)).isoformat(),
        "due_date": (today + timedelta(days=60)).isoformat(),
        "total_amount": 110_000,
        "tax_breakdown": [{"rate": "0.10", "taxable_amount": 100_000, "tax_amount": 10_000}],
    }


def _until_done(load: Load, kind: str, method: str, path: str, body: object, done: set[int],
                session: str = "", **headers: str) -> int:  # fmt: skip
    """Send (and re-send after a failure) one write until it has a definitive answer."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, content = load.call(kind, method, path, body, session, **headers)
        if status in done:
            return status
        if 400 <= status < 500:  # refused for a reason of its own: retrying will not help
            load.stop.set()
            raise AssertionError(f"{kind} {path}: {status} {content[:500]!r}")
        time.sleep(0.2)
    raise AssertionError(f"{kind} {path}: no definitive answer in 90 s")


def test_postgresql_restarted_under_load(cluster: Cluster, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("URIKAKE_")},
        **PRODUCTION_OK,
        "DATABASE_URL": cluster.url("urikake"),
        "URIKAKE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "urikake.settings",
        "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path]),
    }
    setup_env = {
        **{k: v for k, v in env.items() if k != "URIKAKE_ENV"},
        "SCREENING_VENDOR_CHECKS": "0",
        "URIKAKE_MAIL_TASK_BACKEND": "immediate",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    bin_dir = Path(sys.executable).parent

    def run(args: list[str], environment: dict[str, str] = env) -> str:
        done = subprocess.run(args, env=environment, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            (tmp_path / "failed-step.log").write_text(done.stdout + done.stderr)
        assert done.returncode == 0, (args[:2], done.stdout[-2000:], done.stderr[-3000:])
        return done.stdout

    run([str(bin_dir / "urikake"), "migrate", "-v0"])
    run([str(bin_dir / "urikake"), "collectstatic", "--noinput", "-v0"])
    fixtures = json.loads(
        run([sys.executable, "-c", SETUP % {"n": APPLICATIONS}], setup_env).splitlines()[-1]
    )
    port = _free_port()
    # A file, not a pipe: a full pipe nobody reads would block the workers' error logging.
    web_log_file = (tmp_path / "gunicorn.log").open("w")
    web = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "urikake.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--timeout", "30"],
        env=env, stdout=subprocess.DEVNULL, stderr=web_log_file,
    )  # fmt: skip
    load = Load(port=port, session=fixtures["session"])
    numbers: list[str] = []
    answers: dict[str, int] = {}
    outage_begins = [threading.Event() for _ in range(APPLICATIONS)]
    try:
        deadline = time.monotonic() + 120
        while load.call("warm-up", "GET", "/healthz")[0] != 200:
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.5)
        load.outcomes.clear()

        def reader(path: str) -> None:
            while not load.stop.is_set():
                load.call(f"read {path}", "GET", path)
                time.sleep(0.05)

        def writer(w: int) -> None:
            n = 0
            while not load.stop.is_set():
                number = f"LOAD-{w}-{n:04d}"
                n += 1
                numbers.append(number)
                answers[number] = _until_done(
                    load, "write invoice", "POST", fixtures["invoices"],
                    _invoice(fixtures["debtor"], number), {201, 422},
                )  # fmt: skip
                time.sleep(0.3)

        def acceptor() -> None:
            for begins, (session, path) in zip(outage_begins, fixtures["accept"], strict=True):
                begins.wait(timeout=120)  # sent just as PostgreSQL goes down, then retried
                key = uuid.uuid4().hex  # one key per acceptance, re-sent on every retry
                answers[path] = _until_done(
                    load, "accept (idempotent)", "POST", path, {}, {200},
                    session=session, **{"Idempotency-Key": key},
                )  # fmt: skip

        threads = [
            threading.Thread(target=reader, args=("/healthz",)),
            threading.Thread(target=reader, args=(fixtures["invoices"],)),
            *(threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)),
            threading.Thread(target=acceptor),
        ]
        for thread in threads:
            thread.start()
        outages: list[tuple[str, float, float]] = []
        for begins, mode in zip(outage_begins, ("fast", "immediate"), strict=True):
            time.sleep(RUNNING)
            begins.set()
            down = time.monotonic()
            cluster.stop(mode)
            time.sleep(OUTAGE)
            cluster.start()
            outages.append((mode, down, time.monotonic()))
        time.sleep(RUNNING)  # the service after the last restart
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        load.stop.set()
        web.terminate()
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        web_log_file.close()

    shutil.copy(cluster.root / "log", tmp_path / "postgresql.log")
    report = _report(load.outcomes, outages)
    print(report)
    (Path(os.environ.get("URIKAKE_FAULT_REPORT", tmp_path / "report.txt"))).write_text(report)

    failures = [o for o in load.outcomes if o.failure]
    assert failures, "the outages caused no failed request: the test did not test anything"
    bad = Counter(o.failure for o in failures if not o.failure.startswith(("json", "error page")))
    assert not bad, f"requests that failed uncleanly: {bad}\n{report}"
    # The database being away is "try again shortly", not a server error: 503 + Retry-After
    # (checked above), the API's code service.unavailable; /healthz reports its own 503.
    not_503 = Counter(o.failure for o in failures if o.status != 503)
    assert not not_503, f"failures other than 503: {not_503}\n{report}"
    api = {o.failure for o in failures if o.kind != "read /healthz"}
    assert api <= {"json 503 service.unavailable", "error page 503"}, api
    assert max(o.seconds for o in load.outcomes) < TIMEOUT
    # (The server's own log has the tracebacks, as it should: responses never do.)
    # Recovered by itself: after the last restart, reads succeed again.
    last_up = outages[-1][2]
    after = [o for o in load.outcomes if o.started > last_up + 1.0 and o.kind.startswith("read")]
    assert after
    assert all(o.status == 200 for o in after), Counter(o.status for o in after)

    # No partial writes; every retried write took effect once.
    facts = json.loads(
        run([sys.executable, "-c", CHECK % {"numbers": numbers, "apps": fixtures["applications"]}],
            setup_env).splitlines()[-1]
    )  # fmt: skip
    assert sorted(facts["invoices"]) == sorted(numbers)  # each invoice exactly once
    assert facts["all_invoices"] == len(numbers)
    assert any(o.kind == "write invoice" and o.failure for o in load.outcomes)  # retried writes
    assert any(o.kind.startswith("accept") and o.failure for o in load.outcomes)
    assert facts["without_audit"] == []  # an invoice never without its audit record
    assert {answers[n] for n in numbers} <= {201, 422}
    assert facts["statuses"] == ["accepted"] * APPLICATIONS
    assert facts["accepted_audits"] == APPLICATIONS  # each offer accepted exactly once
    assert facts["idempotency_rows"] == APPLICATIONS
    run([str(bin_dir / "urikake"), "audit", "verify"])
    run([str(bin_dir / "urikake"), "ledger", "check"])


def _report(outcomes: list[Outcome], outages: list[tuple[str, float, float]]) -> str:
    lines = ["PostgreSQL restart under load (gunicorn 2 workers, private cluster)"]
    lines.append(f"requests: {len(outcomes)}, failed: {sum(1 for o in outcomes if o.failure)}")
    for mode, down, up in outages:
        # Recovered when a request that started after the restart succeeded; the failures
        # of this outage are those that ended between the stop and that moment.
        successes = [o.started + o.seconds for o in outcomes if not o.failure and o.started >= up]
        recovered = min(successes, default=float("nan"))
        failed = [o for o in outcomes if o.failure and down <= o.started + o.seconds <= recovered]
        lines.append(
            f"  stop -m {mode}: cluster down {up - down:.1f} s (stop, {OUTAGE:.0f} s, start); "
            f"service failing for {recovered - down:.1f} s, first success "
            f"{recovered - up:.1f} s after the start; failed {len(failed)}: "
            + ", ".join(f"{k} x{n}" for k, n in Counter(o.failure for o in failed).most_common())
        )
    slowest = max(outcomes, key=lambda o: o.seconds)
    lines.append(f"  slowest request: {slowest.seconds:.2f} s ({slowest.kind}, {slowest.status})")
    by_kind = Counter((o.kind, o.status) for o in outcomes)
    lines.append(
        "  by kind/status: " + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(by_kind.items()))
    )
    return "\n".join(lines)
