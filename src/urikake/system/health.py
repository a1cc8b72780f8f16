"""What ``/healthz`` and ``GET /api/system/health`` report (database and task-worker status),
and what ``/readyz`` checks (database, migrations, cache table, worker heartbeat)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

import urikake
from urikake.accounts.fixed_reads import SqlText, column_value
from urikake.system.models import WorkerHeartbeat


def database_status() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _worker_sql(db: Any) -> str:
    qn = db.ops.quote_name
    beats = qn(WorkerHeartbeat._meta.db_table)
    seen = qn("last_seen")
    return (
        f"SELECT (SELECT COUNT(*) FROM {beats} WHERE {seen} >= %s), "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
        f"(SELECT MAX({seen}) FROM {beats} WHERE {seen} >= %s), "
        f"(SELECT COUNT(*) FROM {qn(DBTaskResult._meta.db_table)} WHERE {qn('status')} = %s"
        f" AND ({qn('run_after')} = %s OR {qn('run_after')} <= %s))"
    )


# The live workers, the latest heartbeat among them and the queue's length in one read, its
# text made once: /healthz is polled often and asked three ORM-built queries before.
_WORKER_READ = SqlText(_worker_sql)
_LAST_SEEN = WorkerHeartbeat._meta.get_field("last_seen")


def worker_status() -> dict[str, Any]:
    try:
        cutoff = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS)
        value = connection.ops.adapt_datetimefield_value(cutoff)
        # Due tasks only, as the worker and urikake_task_queue_depth{status="ready"} count
        # them: no time set (django-tasks-db's date max) or a time passed. A mail retry set
        # for later is not waiting for a worker.
        unset = connection.ops.adapt_datetimefield_value(get_date_max())
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                _WORKER_READ(connection),
                [value, value, TaskResultStatus.READY.value, unset, now],
            )
            count, latest, pending = cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "workers": 0, "error": type(exc).__name__}
    latest = column_value(connection, _LAST_SEEN, latest)  # SQLite answers MAX() as text
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


# --- Readiness (/readyz) -----------------------------------------------------------------------
# Once this process has seen every migration applied it need not look again (migrations are
# never un-applied under a running site); building the migration graph costs ~0.1 s.
_migrations_seen_applied = False


def migrations_status() -> dict[str, Any]:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return {"ok": True, "unapplied": 0}
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    _migrations_seen_applied = not plan
    return {"ok": not plan, "unapplied": len(plan)}


def cache_status() -> dict[str, Any]:
    """The shared cache answers (the database cache table exists: login needs it)."""
    try:
        cache.get("urikake:readyz")
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def worker_heartbeat_age() -> dict[str, Any]:
    try:
        last = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    except DatabaseError as exc:
        return {"ok": False, "error": type(exc).__name__}
    age = (timezone.now() - last).total_seconds() if last else None
    return {
        "ok": age is not None and age <= settings.WORKER_STALE_AFTER_SECONDS,
        "age_seconds": round(age, 1) if age is not None else None,
    }


def readiness() -> tuple[dict[str, Any], bool]:
    """Whether this web process should receive traffic: database, schema and cache ready.

    The worker's heartbeat is reported but does not make the web process unready: without a
    worker, tasks wait in the queue, while taking every web process out of the load balancer
    would turn a delay into an outage (``/healthz`` and the metrics alert on it instead).
    """
    db = database_status()
    checks: dict[str, Any] = {"database": db}
    if db["ok"]:
        checks["migrations"] = migrations_status()
        checks["cache"] = cache_status()
        checks["worker"] = worker_heartbeat_age()
    ready = db["ok"] and checks["migrations"]["ok"] and checks["cache"]["ok"]
    return {"status": "ready" if ready else "not_ready", "checks": checks}, ready
