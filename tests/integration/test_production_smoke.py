"""The production configuration of docs/operations.md, brought up for real: a fresh
PostgreSQL database, ``urikake migrate`` and ``collectstatic``, gunicorn with two workers and
a task worker; requests through it as a reverse proxy would send them (issue 14, item 2).

PostgreSQL only (production refuses SQLite).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.integration.test_settings_and_cli import PRODUCTION_OK

pytestmark = pytest.mark.usefixtures("postgresql_only")

METRICS_TOKEN = "smoke-metrics-token-0123456789"


def _url(name: str) -> str:
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    return f"postgres://{s.get('USER') or 'postgres'}@{host}:{s.get('PORT') or 5432}/{name}"


def _psql(sql: str) -> None:
    subprocess.run(["psql", _url("postgres"), "-qc", sql], check=True, capture_output=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": "urikake.example", "X-Forwarded-Proto": "https", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_gunicorn_with_two_workers_on_postgresql(tmp_path: Path) -> None:
    database = f"urikake_prod_{uuid.uuid4().hex[:8]}"
    _psql(f"CREATE DATABASE {database}")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("URIKAKE_")},
        **PRODUCTION_OK,
        "DATABASE_URL": _url(database),
        "URIKAKE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "urikake.settings",
        "URIKAKE_METRICS_TOKEN": METRICS_TOKEN,
    }
    bin_dir = Path(sys.executable).parent
    processes: list[subprocess.Popen[str]] = []
    try:
        for step in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            done = subprocess.run(
                [str(bin_dir / "urikake"), *step], env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr[-3000:]
        port = _free_port()
        processes.append(
            subprocess.Popen(
                [str(bin_dir / "gunicorn"), "urikake.wsgi:application", "--workers", "2",
                 "--bind", f"127.0.0.1:{port}", "--access-logfile", "-"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
        )  # fmt: skip
        processes.append(
            subprocess.Popen(
                [str(bin_dir / "urikake"), "worker", "--no-startup-delay", "--interval", "0.5"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
        )  # fmt: skip
        deadline = time.monotonic() + 120
        status, body = 0, b""
        while time.monotonic() < deadline:
            try:
                status, _headers, body = _get(port, "/healthz")
            except OSError:
                time.sleep(0.5)
                continue
            if status == 200 and json.loads(body)["status"] == "ok":
                break
            time.sleep(0.5)
        report = json.loads(body)
        assert status == 200, body
        assert report["status"] == "ok", report  # database up and a worker's heartbeat seen
        assert report["database"]["vendor"] == "postgresql"
        login_status, login_headers, login = _get(port, "/accounts/login/")
        assert login_status == 200
        assert "ログイン" in login.decode()
        assert "Strict-Transport-Security" in login_headers
        css_status, css_headers, _css = _get(port, "/static/urikake/site.css")
        assert css_status == 200  # whitenoise serves the collected static files
        assert "max-age" in css_headers.get("Cache-Control", "")
        plain_status, plain_headers, _ = _get_plain_http(port)
        assert plain_status == 301  # straight HTTP is sent to HTTPS
        assert plain_headers["Location"].startswith("https://")
        _assert_readiness_and_metrics(port)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            try:
                proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _login_page_count(metrics: str) -> float:
    prefix = "urikake_http_request_duration_seconds_count{"
    for line in metrics.splitlines():
        if line.startswith(prefix) and 'route="account_login"' in line and '"2xx"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _assert_readiness_and_metrics(port: int) -> None:
    """/readyz, and /metrics pooled over both gunicorn workers (multiprocess mode)."""
    ready_status, ready_headers, ready = _get(port, "/readyz", {"X-Request-ID": "smoke-ready-01"})
    assert ready_status == 200, ready
    assert json.loads(ready)["checks"]["migrations"]["ok"] is True
    assert ready_headers["X-Request-ID"] == "smoke-ready-01"
    assert _get(port, "/metrics")[0] == 404  # never public
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    before_status, _h, before = _get(port, "/metrics", auth)
    assert before_status == 200, before
    for _ in range(8):
        assert _get(port, "/accounts/login/")[0] == 200
    # Whichever worker answers the scrape, it counts the requests the other one served too.
    for _ in range(3):
        status, _h, after = _get(port, "/metrics", auth)
        assert status == 200
        assert _login_page_count(after.decode()) == _login_page_count(before.decode()) + 8
    text = after.decode()
    assert "urikake_task_queue_depth" in text or "urikake_task_oldest_ready_age_seconds" in text
    assert "urikake_metrics_database_up 1.0" in text


def _get_plain_http(port: int) -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/accounts/login/", headers={"Host": "urikake.example"}
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
