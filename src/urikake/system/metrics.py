"""Prometheus metrics served at ``/metrics`` (docs/operations.md, "Metrics").

Two kinds of figures, collected two ways on purpose:

* **Per request** (latency by route name and status class) can only be measured inside the
  web process that served the request. Under gunicorn every worker is a separate process, so
  these use prometheus-client's *multiprocess mode*: when ``PROMETHEUS_MULTIPROC_DIR`` is set
  (production sets it under ``VAR_DIR`` unless the operator chose a directory), each process
  writes its samples to memory-mapped files there and a scrape — answered by any worker —
  adds them all up. Without it (development, tests) the samples live in this process.
* **State of the business and the platform** (task queue depth and age, worker heartbeat,
  deposits by reconciliation result, payouts by status, connection health) is read from the
  database *at scrape time* by :class:`DatabaseCollector`. The database is the one place all
  processes — web, task workers on several hosts, CLI runs — write to, so any process gives
  the same answer and nothing has to be counted twice or kept in sync. Counts are grouped
  queries on indexed columns (a few ms on a million deposits); scrape every 15–60 s.

The circuit breakers of ``urikake.integrations.http`` live in each process's memory; what
every process shares is the call record each call leaves (outcome ``circuit_open`` when a
breaker refused), so connection health is read from those records.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    When,
)
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from urikake.connections.models import CallRecord, Connection
from urikake.system.models import WorkerHeartbeat
from urikake.treasury.models import Deposit, Payout, PayoutBatch, StatementImportJob

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# How far back "recent calls" of a connection reach.
RECENT_CALLS = dt.timedelta(minutes=15)
# A breaker that refused a call records this outcome (urikake.integrations.http).
CIRCUIT_OPEN = "circuit_open"

# The registry of this process's own metrics (single-process mode).
_PROCESS_REGISTRY = CollectorRegistry()

REQUEST_LATENCY = Histogram(
    "urikake_http_request_duration_seconds",
    "Time to answer a request, by route name (never the raw path), method and status class",
    ["route", "method", "status_class"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_PROCESS_REGISTRY,
)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(route=route, method=method, status_class=f"{status // 100}xx").observe(
        seconds
    )


class DatabaseCollector(Collector):
    """Figures read from the database when Prometheus scrapes (see the module docstring)."""

    def describe(self) -> Iterator[Metric]:
        # Nothing up front: describing would query the database when the collector is
        # registered (at import, possibly before the database exists).
        return iter(())

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "urikake_metrics_database_up", "1 when the database answered this scrape"
        )
        try:
            families = [
                *self._tasks(),
                *self._business(),
                *self._connections(),
            ]
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _tasks(self) -> list[Metric]:
        now = timezone.now()
        depth = GaugeMetricFamily(
            "urikake_task_queue_depth",
            "Background tasks by queue and status (ready: due now; scheduled: due later)",
            labels=["queue", "status"],
        )
        oldest = GaugeMetricFamily(
            "urikake_task_oldest_ready_age_seconds",
            "Seconds the oldest due task has waited for a worker (0 when none waits)",
            labels=["queue"],
        )
        # django-tasks-db stores a task to run at once with run_after = 9999-01-01 (its
        # "no time set"), and a deferred one (a mail or SMS retry, 1 min … 6 h later) with
        # its time. A READY task is due as the worker's own ``ready()`` says: no time set,
        # or a time passed; a deferred one still ahead is "scheduled", not backlog. It waits
        # since it was queued (no time set) or since its time came.
        unset = get_date_max()
        later = Q(status=TaskResultStatus.READY, run_after__gt=now) & ~Q(run_after=unset)
        rows = (
            DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
            )
            .annotate(later=ExpressionWrapper(later, output_field=BooleanField()))
            .values("queue_name", "status", "later")
            .annotate(n=Count("id"))
        )
        queues: set[str] = {"default"}
        for row in rows:
            queues.add(row["queue_name"])
            status = "scheduled" if row["later"] else str(row["status"]).lower()
            depth.add_metric([row["queue_name"], status], row["n"])
        due = (
            DBTaskResult.objects.filter(status=TaskResultStatus.READY)
            .filter(Q(run_after=unset) | Q(run_after__lte=now))
            .values("queue_name")
            .annotate(
                first=Min(
                    Case(When(run_after=unset, then=F("enqueued_at")), default=F("run_after"))
                )
            )
        )
        ages = {
            row["queue_name"]: max(0.0, (now - row["first"]).total_seconds())
            for row in due
            if row["first"] is not None
        }
        queues.update(ages)
        for queue in sorted(queues):
            oldest.add_metric([queue], ages.get(queue, 0.0))
        workers = GaugeMetricFamily(
            "urikake_worker_heartbeat_age_seconds",
            "Seconds since the most recent heartbeat of any task worker (-1: never)",
        )
        last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
        workers.add_metric([], (now - last_seen).total_seconds() if last_seen else -1.0)
        return [depth, oldest, workers]

    def _business(self) -> list[Metric]:
        deposits = GaugeMetricFamily(
            "urikake_reconciliation_deposits",
            "Deposits on the collection account by reconciliation result",
            labels=["result"],
        )
        counts = dict(Deposit.objects.values_list("status").annotate(n=Count("id")))
        for status in Deposit.Status.values:
            deposits.add_metric([status], counts.get(status, 0))
        imports = GaugeMetricFamily(
            "urikake_statement_import_jobs",
            "Background statement imports and reconciliations by status",
            labels=["status"],
        )
        job_counts = dict(StatementImportJob.objects.values_list("status").annotate(n=Count("id")))
        for status in StatementImportJob.Status.values:
            imports.add_metric([status], job_counts.get(status, 0))
        payouts = GaugeMetricFamily(
            "urikake_payouts", "Payouts to clients by kind and status", labels=["kind", "status"]
        )
        payout_counts = {
            (kind, status): n
            for kind, status, n in Payout.objects.values_list("kind", "status").annotate(
                n=Count("id")
            )
        }
        for kind in Payout.Kind.values:
            for status in Payout.Status.values:
                payouts.add_metric([kind, status], payout_counts.get((kind, status), 0))
        batches = GaugeMetricFamily(
            "urikake_payout_batches", "全銀 payout files by status", labels=["status"]
        )
        batch_counts = dict(PayoutBatch.objects.values_list("status").annotate(n=Count("id")))
        for status in PayoutBatch.Status.values:
            batches.add_metric([status], batch_counts.get(status, 0))
        return [deposits, imports, payouts, batches]

    def _connections(self) -> list[Metric]:
        now = timezone.now()
        stage = GaugeMetricFamily(
            "urikake_connection_stage",
            "1 for the lifecycle stage each external connection is in",
            labels=["connection", "stage"],
        )
        last = GaugeMetricFamily(
            "urikake_connection_last_outcome",
            "1 for the outcome of the connection's most recent call",
            labels=["connection", "outcome"],
        )
        last_age = GaugeMetricFamily(
            "urikake_connection_last_call_age_seconds",
            "Seconds since the connection's most recent call",
            labels=["connection"],
        )
        breaker = GaugeMetricFamily(
            "urikake_connection_breaker_open",
            "1 when the most recent call was refused by an open circuit breaker",
            labels=["connection"],
        )
        recent = GaugeMetricFamily(
            "urikake_connection_recent_calls",
            f"Calls in the last {int(RECENT_CALLS.total_seconds() // 60)} minutes by outcome",
            labels=["connection", "outcome"],
        )
        names = set()
        for name, connection_stage in Connection.objects.values_list("name", "stage"):
            names.add(name)
            stage.add_metric([name, connection_stage], 1)
        latest_at = dict(CallRecord.objects.values_list("connection_name").annotate(at=Max("at")))
        for name, at in sorted(latest_at.items()):
            record = (
                CallRecord.objects.filter(connection_name=name, at=at)
                .order_by("-pk")
                .values_list("outcome", flat=True)
                .first()
            )
            outcome = record or ""
            last.add_metric([name, outcome], 1)
            last_age.add_metric([name], max(0.0, (now - at).total_seconds()))
            breaker.add_metric([name], 1 if outcome == CIRCUIT_OPEN else 0)
        for name in sorted(names - set(latest_at)):
            breaker.add_metric([name], 0)
        for name, outcome, n in (
            CallRecord.objects.filter(at__gte=now - RECENT_CALLS)
            .values_list("connection_name", "outcome")
            .annotate(n=Count("id"))
        ):
            recent.add_metric([name, outcome], n)
        return [stage, last, last_age, breaker, recent]


_DATABASE_COLLECTOR = DatabaseCollector()
_PROCESS_REGISTRY.register(_DATABASE_COLLECTOR)


def exposition() -> bytes:
    """The text Prometheus scrapes: every process's request samples plus the database's."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(_DATABASE_COLLECTOR)
        return generate_latest(registry)
    return generate_latest(_PROCESS_REGISTRY)
