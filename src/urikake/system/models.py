"""Operational state of the platform itself (not business data)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running background-task worker, refreshed every few seconds.

    ``/healthz`` reports the worker as up when a heartbeat is recent. django-tasks' database
    worker keeps no such record itself, so ``urikake worker`` writes it.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.hostname}:{self.pid}"

    class Meta:
        verbose_name = "ワーカーの稼働記録"
        verbose_name_plural = "ワーカーの稼働記録"
