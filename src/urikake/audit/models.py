"""The append-only, hash-chained audit trail (one table for the whole platform).

Rows are written only by :func:`urikake.audit.services.record`. On PostgreSQL a trigger
refuses UPDATE and DELETE (migration 0002); everywhere, ``urikake audit verify`` recomputes
the chain (rules in :mod:`urikake.domain.audit_chain`).
"""

from __future__ import annotations

from django.db import models

from urikake.domain.audit_chain import ChainEntry


class AuditRecord(models.Model):
    seq = models.BigIntegerField("連番", unique=True)
    created_at = models.DateTimeField("日時 (UTC)")
    actor = models.CharField("実行者", max_length=200)
    action = models.CharField("操作", max_length=100, db_index=True)
    object_type = models.CharField("対象種別", max_length=100, blank=True)
    object_id = models.CharField("対象ID", max_length=100, blank=True)
    payload = models.JSONField("内容", default=dict)
    prev_hash = models.CharField("直前のハッシュ", max_length=64)
    hash = models.CharField("ハッシュ", max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        verbose_name = "監査記録"
        verbose_name_plural = "監査記録"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def as_chain_entry(self) -> ChainEntry:
        return ChainEntry(
            seq=self.seq,
            created_at=self.created_at,
            actor=self.actor,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            payload=self.payload,
            prev_hash=self.prev_hash,
            hash=self.hash,
        )
