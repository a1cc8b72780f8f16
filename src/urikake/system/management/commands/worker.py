"""``urikake worker`` — the background-task worker (django-tasks' database worker + heartbeat).

Every option of django-tasks-db's ``db_worker`` works here. On top, the worker writes a
heartbeat row every few seconds so that ``/healthz`` can tell whether a worker is running,
and puts back in the queue the tasks of workers that died mid-task
(:mod:`urikake.system.task_recovery`).
Autoreload is off by default (``--reload`` turns it on).
"""

from __future__ import annotations

import os
import socket
import threading
from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from urikake.system.models import WorkerHeartbeat
from urikake.system.task_recovery import recover_stale_tasks


def _beat(worker_id: str, started_at: Any, stop: threading.Event) -> None:
    """Refresh this worker's heartbeat until ``stop`` is set (own thread, own connection)."""
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                WorkerHeartbeat.objects.update_or_create(
                    worker_id=worker_id,
                    defaults={
                        "hostname": socket.gethostname(),
                        "pid": os.getpid(),
                        "started_at": started_at,
                        "last_seen": timezone.now(),
                    },
                )
                # Tasks whose worker died are put back in the queue by any live worker.
                # (never this worker's own: it is alive, whatever its heartbeat row says)
                recover_stale_tasks(
                    older_than=timedelta(
                        seconds=max(
                            settings.WORKER_STALE_AFTER_SECONDS,
                            2 * settings.WORKER_HEARTBEAT_SECONDS,
                        )
                    ),
                    alive=worker_id,
                )
            except Exception:  # a busy database must not kill the heartbeat thread
                connection.close()
            stop.wait(settings.WORKER_HEARTBEAT_SECONDS)
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    finally:
        connection.close()


class Command(DBWorkerCommand):
    help = "バックグラウンドタスクのワーカーを起動します (run the background-task worker)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        beat = threading.Thread(
            target=_beat,
            args=(options["worker_id"], timezone.now(), stop),
            name="urikake-worker-heartbeat",
            daemon=True,
        )
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            beat.join(timeout=5)
