"""What ``/healthz`` and ``GET /api/system/health`` report: database and task-worker status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

import urikake
from urikake.system.models import WorkerHeartbeat


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def worker_status() -> dict[str, Any]:
    try:
        cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS)
        alive = WorkerHeartbeat.objects.filter(last_seen__gte=cutoff)
        latest = alive.order_by("-last_seen").values_list("last_seen", flat=True).first()
        pending = DBTaskResult.objects.filter(status=TaskResultStatus.READY).count()
        count = alive.count()
    except DatabaseError as exc:
        return {"ok": False, "workers": 0, "error": type(exc).__name__}
    return {
        "ok": count > 0,
        "workers": count,
        "last_heartbeat": latest.isoformat() if latest else None,
        "pending_tasks": pending,
    }


def health() -> tuple[dict[str, Any], bool]:
    """The report, and whether the service can serve requests at all (the database is up)."""
    db = database_status()
    worker = worker_status() if db["ok"] else {"ok": False, "workers": 0}
    status = "ok" if db["ok"] and worker["ok"] else ("degraded" if db["ok"] else "down")
    return {
        "status": status,
        "version": urikake.__version__,
        "database": db,
        "worker": worker,
    }, db["ok"]
