"""Load test: the production configuration on PostgreSQL, on loopback, under mixed traffic.

Brings up what docs/operations.md describes — a fresh PostgreSQL database, ``urikake
migrate``, ``collectstatic``, gunicorn with ``URIKAKE_LOAD_WEB_WORKERS`` workers and a task
worker — seeds the demo data and signed-in sessions (benchmarks/load/seed.py), runs locust
headless (benchmarks/load/locustfile.py) and prints throughput, p50/p95/p99 and errors per
request type. Target (issue 14): 200 requests/s mixed at p99 ≤ 200 ms with 0 errors for
5 minutes on 2 cores. Reported, never asserted.

Environment: ``BENCH_PG_ADMIN_URL`` (default postgres://postgres@127.0.0.1:5432/postgres; a
database is created and dropped), ``URIKAKE_LOAD_USERS`` (default 200; 10 with BENCH_SMOKE=1),
``URIKAKE_LOAD_RATE`` (requests/s per user, default 1), ``URIKAKE_LOAD_SECONDS`` (default
300; 10 with BENCH_SMOKE=1), ``URIKAKE_LOAD_APPLICANTS`` (applicant organisations seeded,
default 50; 3 with BENCH_SMOKE=1), ``URIKAKE_LOAD_WEB_WORKERS`` (default 4 = 2 × cores).
Without a reachable PostgreSQL it says so and exits 0 (production refuses SQLite).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _report import SMOKE, machine_speed

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
USERS = int(os.environ.get("URIKAKE_LOAD_USERS", "10" if SMOKE else "200"))
RATE = float(os.environ.get("URIKAKE_LOAD_RATE", "1"))
SECONDS = int(os.environ.get("URIKAKE_LOAD_SECONDS", "10" if SMOKE else "300"))
APPLICANTS = int(os.environ.get("URIKAKE_LOAD_APPLICANTS", "3" if SMOKE else "50"))
WEB_WORKERS = int(os.environ.get("URIKAKE_LOAD_WEB_WORKERS", "4"))
WEB_THREADS = int(os.environ.get("URIKAKE_LOAD_WEB_THREADS", "1"))
LOCUST_PROCESSES = int(os.environ.get("URIKAKE_LOAD_LOCUST_PROCESSES", "1"))
WARMUP = int(os.environ.get("URIKAKE_LOAD_WARMUP", "3" if SMOKE else "20"))
METRICS_TOKEN = secrets.token_urlsafe(24)


def _psql(sql: str) -> None:
    subprocess.run(["psql", ADMIN_URL, "-qc", sql], check=True, capture_output=True)


def _pg_available() -> bool:
    if shutil.which("psql") is None:
        return False
    done = subprocess.run(["psql", ADMIN_URL, "-qc", "SELECT 1"], capture_output=True)
    return done.returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _environments(database_url: str, var_dir: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The production environment of the processes, and the development one of the seed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("URIKAKE_")}
    shared = {
        "DATABASE_URL": database_url,
        "URIKAKE_VAR_DIR": str(var_dir),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": "k" * 43 + "=",
        "DJANGO_SETTINGS_MODULE": "urikake.settings",
        # BENCH_LOAD_SRC: another checkout's src (an export of an older commit), to compare
        "PYTHONPATH": os.environ.get("BENCH_LOAD_SRC", str(ROOT / "src")),
        "LOG_LEVEL": "WARNING",  # one line per request would measure the terminal
        # The platform's collection account: the seed (development settings) writes the sample
        # collection statement for it, and the production processes must accept that file as
        # theirs — with different accounts every upload was refused (the form again, HTTP 200).
        "URIKAKE_ZENGIN_REQUESTER_CODE": "1234567890",
        "URIKAKE_ZENGIN_REQUESTER_NAME": "ｶ)ｳﾘｶｹ",
        "URIKAKE_ZENGIN_BANK_CODE": "0001",
        "URIKAKE_ZENGIN_BRANCH_CODE": "001",
        "URIKAKE_ZENGIN_ACCOUNT_NUMBER": "1234567",
    }
    production = {
        **base,
        **shared,
        "URIKAKE_ENV": "production",
        "ALLOWED_HOSTS": "127.0.0.1",
        "AUDIT_SIGNING_KEY": str(var_dir / "audit.pem"),
        "EKYC_API_KEY": "load-key",
        "EKYC_WEBHOOK_SECRET": "load-secret",
        "SMS_GATEWAY_TOKEN": "load-sms",
        "CONTRACT_SIGNING_KEY_FILE": str(var_dir / "contract-key.pem"),
        "CONTRACT_SIGNING_CERT_FILE": str(var_dir / "contract-cert.pem"),
        "CONTRACT_ASSIGNEE_NAME": "株式会社ウリカケ",
        "CONTRACT_ASSIGNEE_ADDRESS": "東京都千代田区大手町1-1-1",
        "CONTRACT_ASSIGNEE_CORPORATE_NUMBER": "4010001234567",
        "ANTISOCIAL_SCREENING_URL": "https://screening.vendor.example",
        "ANTISOCIAL_SCREENING_TOKEN": "load-antisocial",
        "CREDIT_BUREAU_URL": "https://bureau.example",
        "CREDIT_BUREAU_TOKEN": "load-bureau",
        "URIKAKE_METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
    }
    development = {**base, **shared}
    return production, development


def _run(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"X-Forwarded-Proto": "https", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 # loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_ready(port: int, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if _get(port, "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the web processes did not become ready")


def _queue_figures(port: int) -> dict[str, float]:
    _status, body = _get(port, "/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    figures: dict[str, float] = {}
    for line in body.decode().splitlines():
        for name in ("urikake_task_queue_depth", "urikake_task_oldest_ready_age_seconds"):
            if line.startswith(name + "{") and 'queue="default"' in line:
                key = name + (
                    "" if "status" not in line else ":" + line.split('status="')[1].split('"')[0]
                )
                figures[key] = float(line.rsplit(" ", 1)[1])
    return figures


@dataclass
class Row:
    """One line of the report: a request type, or ALL (mixed)."""

    name: str
    count: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int


def _locust_rows(stats_csv: Path) -> list[Row]:
    rows = []
    for r in csv.DictReader(stats_csv.open()):
        rows.append(
            Row(
                "ALL (mixed)" if r["Name"] == "Aggregated" else r["Name"],
                int(r["Request Count"]),
                float(r["Requests/s"]),
                float(r["50%"]),
                float(r["95%"]),
                float(r["99%"]),
                float(r["Max Response Time"]),
                int(r["Failure Count"]),
            )
        )
    return rows


def _print_report(
    rows: list[Row], args: argparse.Namespace, load_before: float, load_after: float, port: int
) -> None:
    print(
        f"\nLoad test, {args.mix} (locust, after {args.warmup} s of warm-up): {args.users} users × "
        f"{args.rate:g} req/s for {args.seconds} s ({args.applicants} applicant "
        f"organisations), gunicorn {args.web_workers} workers × {args.threads} threads + 1 "
        f"task worker, PostgreSQL, loopback (load average before "
        f"{load_before:.1f}, after {load_after:.1f}, {os.cpu_count()} CPUs; machine speed "
        f"{machine_speed():.1f} ms: _report.machine_speed, lower is faster)"
    )
    header = (
        f"{'request':<42} {'count':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7} {'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    rows = sorted(rows, key=lambda r: (r.name == "ALL (mixed)", r.name))
    for r in rows:
        print(
            f"{r.name[:42]:<42} {r.count:>7,} {r.per_second:>7.1f} {r.p50:>7.0f} {r.p95:>7.0f} "
            f"{r.p99:>7.0f} {r.max:>7.0f} {r.errors:>7,}"
        )
    try:
        queue = _queue_figures(port)
    except OSError as exc:  # a server still working off the backlog may not answer in time
        print(f"task queue at the end: /metrics did not answer ({exc})")
        return
    if queue:
        print("task queue at the end: " + ", ".join(f"{k} {v:g}" for k, v in sorted(queue.items())))


@dataclass
class Stack:
    """The running production configuration: its port, the seed's plan and the processes."""

    port: int
    database: str
    plan: Path
    var_dir: Path
    web: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]

    def web_worker_pids(self) -> list[int]:
        """gunicorn's worker processes (the children of its master)."""
        children = Path(f"/proc/{self.web.pid}/task/{self.web.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextmanager
def production_stack(
    web_workers: int, threads: int = 1, sessions_per_role: int = 4, applicants: int = APPLICANTS
) -> Iterator[Stack]:
    """A scratch database, migrate, collectstatic, seed (``applicants`` applicant
    organisations), gunicorn and a task worker.

    gunicorn runs with ``deploy/gunicorn.conf.py`` as the run book says; ``threads`` > 1
    makes it the gthread worker (``URIKAKE_WEB_THREADS``).
    """
    database = f"{os.environ.get('BENCH_LOAD_DB_PREFIX', 'urikake_load_')}{secrets.token_hex(4)}"
    base = ADMIN_URL.rsplit("/", 1)[0]
    var_dir = Path(tempfile.mkdtemp(prefix="urikake-load-"))
    production, development = _environments(f"{base}/{database}", var_dir)
    (var_dir / "prometheus").mkdir()
    processes: list[subprocess.Popen[bytes]] = []
    _psql(f"CREATE DATABASE {database}")
    try:
        urikake = str(BIN / "urikake")
        _run([urikake, "migrate", "-v0"], production)
        _run([urikake, "collectstatic", "--noinput", "-v0"], production)
        plan = var_dir / "plan.json"
        seeded = _run(
            [sys.executable, str(ROOT / "benchmarks/load/seed.py"), str(plan),
             str(var_dir / "files"), str(sessions_per_role), str(applicants)],
            development,
        )  # fmt: skip
        print(seeded.strip())
        port = _free_port()
        log = (var_dir / "server.log").open("wb")
        web_env = {
            **production,
            "URIKAKE_BIND": f"127.0.0.1:{port}",
            "URIKAKE_WEB_WORKERS": str(web_workers),
            "URIKAKE_WEB_THREADS": str(threads),
        }
        processes.append(
            subprocess.Popen(
                [str(BIN / "gunicorn"), "urikake.wsgi:application",
                 "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                env=web_env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )
        )  # fmt: skip
        processes.append(
            subprocess.Popen(
                [urikake, "worker", "--no-startup-delay", "--interval", "0.5"],
                env=production, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )
        )  # fmt: skip
        _wait_ready(port)
        yield Stack(port, database, plan, var_dir, processes[0], processes[1])
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if os.environ.get("URIKAKE_LOAD_KEEP") != "1":
            shutil.rmtree(var_dir, ignore_errors=True)
        else:
            print(f"kept {var_dir} (server.log, locust CSVs)")


@contextmanager
def seeded_database(kind: str) -> Iterator[tuple[dict[str, str], Path]]:
    """A scratch PostgreSQL database migrated and seeded as the load test's (benchmarks/load/
    seed.py, one session per role, ``URIKAKE_LOAD_APPLICANTS`` applicants): the production
    environment to run against it and the seed's plan. ``BENCH_QUERIES_KEEP_DB=<name>`` keeps
    one seeded database (and its var dir under the temporary directory,
    ``urikake-<kind>-<name>``) for reuse across runs; otherwise both are dropped at the end.
    For the in-process benchmarks (bench_route_queries, bench_write_queries), which need no
    server."""
    keep = os.environ.get("BENCH_QUERIES_KEEP_DB", "")
    prefix = os.environ.get("BENCH_LOAD_DB_PREFIX", "urikake_load_")
    database = keep or f"{prefix}{secrets.token_hex(4)}"
    var_dir = (
        Path(tempfile.gettempdir()) / f"urikake-{kind}-{keep}"
        if keep
        else Path(tempfile.mkdtemp(prefix=f"urikake-{kind}-"))
    )
    plan = var_dir / "plan.json"
    saved = var_dir / "environment.json"
    try:
        if keep and saved.exists():
            production = json.loads(saved.read_text())
        else:
            var_dir.mkdir(parents=True, exist_ok=True)
            base = ADMIN_URL.rsplit("/", 1)[0]
            production, development = _environments(f"{base}/{database}", var_dir)
            (var_dir / "prometheus").mkdir(exist_ok=True)
            _psql(f"CREATE DATABASE {database}")
            urikake = str(BIN / "urikake")
            _run([urikake, "migrate", "-v0"], production)
            _run([urikake, "collectstatic", "--noinput", "-v0"], production)
            _run(
                [sys.executable, str(ROOT / "benchmarks/load/seed.py"), str(plan),
                 str(var_dir / "files"), "1", str(APPLICANTS)],
                development,
            )  # fmt: skip
            saved.write_text(json.dumps(production))
        yield production, plan
    finally:
        if not keep:
            _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            shutil.rmtree(var_dir, ignore_errors=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS, help="simulated people")
    parser.add_argument("--rate", type=float, default=RATE, help="requests/s per person")
    parser.add_argument("--seconds", type=int, default=SECONDS, help="duration of the run")
    parser.add_argument(
        "--applicants", type=int, default=APPLICANTS, help="applicant organisations seeded"
    )
    parser.add_argument("--web-workers", type=int, default=WEB_WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=WEB_THREADS, help="threads per gunicorn worker (gthread)"
    )
    parser.add_argument(
        "--locust-processes",
        type=int,
        default=LOCUST_PROCESSES,
        help="locust worker processes (1: one process; locust itself needs CPU)",
    )
    parser.add_argument(
        "--mix",
        choices=["mixed", "floor"],
        default="mixed",
        help="mixed: the load of issue 14; floor: only /healthz, the cheapest request, to "
        "see what the machine itself allows",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=WARMUP,
        help="seconds of the same load before the measured run (workers import their pages)",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    if not _pg_available():
        print(f"bench_load: PostgreSQL not reachable at {ADMIN_URL}; skipped (needs PostgreSQL)")
        return
    with production_stack(
        args.web_workers, args.threads, max(4, args.users // 10), args.applicants
    ) as stack:
        if args.warmup:
            # A worker's first request of each page compiles its templates (~0.1–0.7 s each);
            # in production a worker serves 20,000 requests (deploy/gunicorn.conf.py), so its
            # start-up is not what a steady load costs. The same mix, not measured.
            _run_locust(stack, argparse.Namespace(**{**vars(args), "seconds": args.warmup}))
        load_before = os.getloadavg()[0]
        cpu_before = _cpu_seconds(stack)
        started = time.monotonic()
        children_before = _children_cpu()
        rows, problems = _run_locust(stack, args)
        elapsed = time.monotonic() - started
        cpu_after = _cpu_seconds(stack)
        driver_cpu = _children_cpu() - children_before
        _print_report(rows, args, load_before, os.getloadavg()[0], stack.port)
        requests = next((r.count for r in rows if r.name == "ALL (mixed)"), 0)
        used = {
            "web": cpu_after["web"] - cpu_before["web"],
            "task worker": cpu_after["task worker"] - cpu_before["task worker"],
            # a backend the web workers opened during the run used all its CPU in it
            "PostgreSQL": sum(
                v - cpu_before.get(k, 0.0) for k, v in cpu_after.items() if k.startswith("pg:")
            ),
            "locust": driver_cpu,
        }
        print(
            f"CPU over {elapsed:.0f} s (of {elapsed * (os.cpu_count() or 1):.0f} s on all cores): "
            + ", ".join(f"{k} {v:.1f} s" for k, v in used.items())
        )
        if requests:
            print(
                "CPU per request: "
                + ", ".join(f"{k} {v * 1000 / requests:.1f} ms" for k, v in used.items())
            )
        if problems:
            print("errors (the first ones):")
            for line in problems[:5]:
                print("  " + line[:200])


def _run_locust(stack: Stack, args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    prefix = stack.var_dir / "locust"
    locust_env = {
        **os.environ,
        "URIKAKE_LOAD_PLAN": str(stack.plan),
        "URIKAKE_LOAD_RATE": str(args.rate),
        "URIKAKE_LOAD_LOCUST_PROCESSES": str(args.locust_processes),
        "URIKAKE_LOAD_MIX": args.mix,
    }
    classes = ["HealthCheck"] if args.mix == "floor" else []
    processes = ["--processes", str(args.locust_processes)] if args.locust_processes > 1 else []
    done = subprocess.run(
        [str(BIN / "locust"), "-f", str(ROOT / "benchmarks/load/locustfile.py"),
         "--headless", "--users", str(args.users),
         # all at once: each person then waits a random start (PoissonPacing in the locustfile)
         "--spawn-rate", str(args.users),
         "--run-time", f"{args.seconds}s", "--host", f"http://127.0.0.1:{stack.port}",
         "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
         "--exit-code-on-error", "0", *processes, *classes],
        env=locust_env, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if done.returncode != 0 or os.environ.get("URIKAKE_LOAD_DEBUG"):
        print(done.stdout[-3000:], done.stderr[-3000:])
    if done.returncode != 0:
        raise SystemExit("locust failed")
    failures = Path(f"{prefix}_failures.csv")
    problems = failures.read_text().splitlines()[1:] if failures.exists() else []
    return _locust_rows(Path(f"{prefix}_stats.csv")), problems


TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a live process has used so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def database_backends_cpu(database: str) -> dict[int, float]:
    """CPU so far of each PostgreSQL backend serving ``database`` (by its process title)."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found[int(entry.name)] = process_cpu(int(entry.name))
    return found


def _cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU (user + system) used so far by the web workers, the task worker and this
    database's PostgreSQL backends (persistent connections: a backend lives as long as its
    worker's connection; one that came and went between two readings is not counted)."""
    return {
        "web": sum(process_cpu(pid) for pid in stack.web_worker_pids()),
        "task worker": process_cpu(stack.worker.pid),
        **{f"pg:{pid}": cpu for pid, cpu in database_backends_cpu(stack.database).items()},
    }


def _children_cpu() -> float:
    """CPU of this process's finished children (locust and its worker processes)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
