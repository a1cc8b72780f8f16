"""Recovery of tasks whose worker died (SIGKILL, OOM killer, host lost).

django-tasks' database worker claims a task by setting it RUNNING in a short transaction
(``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never claim one task) and then runs it
outside any lock. A worker that dies mid-task leaves the row RUNNING for ever: the backend
never looks at it again. This module puts such a task back in the queue.

A RUNNING task is *stale* when the worker that claimed it last (the last of ``worker_ids``)
has not written a heartbeat (``urikake worker`` writes one every
``WORKER_HEARTBEAT_SECONDS``, also while a task runs) for ``older_than``, and the task started
more than ``older_than`` ago. A stale task goes back to READY and the next free worker runs it
again — every task is written to be re-run safely (a state check under a row lock, one
transaction per effect, idempotency keys), so its effect still happens once. A task that
was claimed ``MAX_CLAIMS`` times already (it may be what kills its worker) is marked FAILED
instead, so it cannot take the workers down in a loop.

Every running ``urikake worker`` calls :func:`recover_stale_tasks` with
``WORKER_STALE_AFTER_SECONDS`` on each heartbeat; ``urikake tasks recover`` does it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from urikake.audit import services as audit
from urikake.system.models import WorkerHeartbeat

# A task whose worker died this many times is failed, not queued again.
MAX_CLAIMS = 3

ACTOR = "system:task-recovery"


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _live_workers(since: datetime) -> set[str]:
    return set(
        WorkerHeartbeat.objects.filter(last_seen__gte=since).values_list("worker_id", flat=True)
    )


def recover_stale_tasks(
    *, older_than: timedelta, now: datetime | None = None, alive: str = ""
) -> Recovery:
    """Queue again (or fail) every RUNNING task whose worker is gone; return what was done.

    ``alive``: the id of the worker asking (its heartbeat thread), which is alive whatever
    its heartbeat row says. Its own claims are never taken back: on SQLite its last heartbeat
    can look older than ``older_than`` after waiting for the database's one write lock behind
    its own task's transaction (the time is taken before the wait), and it would queue again
    the task it is running (seen in CI under load)."""
    now = now or timezone.now()
    since = now - older_than
    outcome = Recovery()
    with transaction.atomic():
        live = _live_workers(since) | ({alive} if alive else set())
        # SKIP LOCKED: a worker finishing a task (or another reaper) holds the row; leave it.
        running = (
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=since)
            .order_by("started_at")
        )
        for task in running:
            claimed_by = task.worker_ids[-1] if task.worker_ids else ""
            if claimed_by in live:
                continue
            task_id = str(task.id)
            payload = {
                "task": task.task_path,
                "worker": claimed_by,
                "claims": len(task.worker_ids),
                "started_at": task.started_at.isoformat() if task.started_at else "",
            }
            if len(task.worker_ids) >= MAX_CLAIMS:
                task.status = TaskResultStatus.FAILED
                task.finished_at = now
                task.exception_class_path = "urikake.system.task_recovery.WorkerLost"
                task.traceback = (
                    f"The worker running this task stopped {len(task.worker_ids)} times "
                    f"(last: {claimed_by}); not queued again."
                )
                task.save(
                    update_fields=["status", "finished_at", "exception_class_path", "traceback"]
                )
                audit.record(
                    "system.task_abandoned",
                    actor=ACTOR,
                    object_type="django_tasks_db.dbtaskresult",
                    object_id=task_id,
                    payload=payload,
                )
                outcome.failed.append(task_id)
                continue
            task.status = TaskResultStatus.READY
            task.started_at = None
            task.save(update_fields=["status", "started_at"])
            audit.record(
                "system.task_requeued",
                actor=ACTOR,
                object_type="django_tasks_db.dbtaskresult",
                object_id=task_id,
                payload=payload,
            )
            outcome.requeued.append(task_id)
    return outcome
