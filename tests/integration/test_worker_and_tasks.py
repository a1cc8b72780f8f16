"""The background-task worker: `urikake worker` runs tasks and reports its heartbeat."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.test import Client
from django_tasks.base import TaskResultStatus

from urikake.system.models import WorkerHeartbeat
from urikake.system.tasks import ping


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_worker_runs_a_task_and_reports_heartbeat(client: Client) -> None:
    result = ping.enqueue("こんにちは")
    env = {**os.environ, "DATABASE_URL": _database_url()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "urikake", "worker", "--no-startup-delay", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result.refresh()
            if result.status == TaskResultStatus.SUCCESSFUL and WorkerHeartbeat.objects.exists():
                break
            time.sleep(0.2)
        assert result.status == TaskResultStatus.SUCCESSFUL
        assert result.return_value == "こんにちは"
        assert client.get("/healthz").json()["status"] == "ok"
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    # A worker that stops cleanly removes its heartbeat.
    assert not WorkerHeartbeat.objects.exists()
