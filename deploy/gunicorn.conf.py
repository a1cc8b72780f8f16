"""gunicorn settings for Urikake (deploy/systemd/urikake-web.service: ``-c`` this file).

Metrics: the web workers pool their request-latency samples in PROMETHEUS_MULTIPROC_DIR
(urikake.system.metrics). The directory is emptied when gunicorn starts, so figures of a
previous run never mix in, and a worker that exits is marked dead so its live gauges drop.
Logs: no access log — the app writes one JSON line per request itself (route name, status,
duration, request id; never the raw path, which may carry a password-reset key).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

bind = os.environ.get("URIKAKE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("URIKAKE_WEB_WORKERS", "2"))
# More than one thread makes it gunicorn's gthread worker (benchmarks/README.md, "Load test").
threads = int(os.environ.get("URIKAKE_WEB_THREADS", "1"))
# A worker is replaced after this many requests (a guard against slow memory growth). A new
# worker imports the app again (~1.6 s of CPU) and compiles the templates of its first pages
# (~0.7 s for the applicant's five): at 2,000 that was a replacement every ~40 s per worker at
# 200 requests/s on 4 workers, ~1 ms of CPU per request on average (benchmarks/README.md).
max_requests = 20000
max_requests_jitter = 2000
timeout = 60
graceful_timeout = 30
forwarded_allow_ips = "127.0.0.1"
accesslog = None

_metrics_dir = Path(
    os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    or Path(os.environ.get("URIKAKE_VAR_DIR", "/var/lib/urikake")) / "prometheus"
)


def on_starting(server: object) -> None:
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
