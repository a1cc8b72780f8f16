"""Writing to the audit trail: ``audit.record(...)`` is the one way in.

Every service function of every app calls :func:`record` inside its own transaction, so the
audit record commits or rolls back together with the change it describes::

    from urikake.audit import services as audit

    with transaction.atomic():
        application.status = "submitted"
        application.save()
        audit.record("application.submitted", actor=acting_user, obj=application,
                     payload={"amount": application.amount})

Appending must be serialised (each record names its predecessor's hash): on PostgreSQL an
advisory transaction lock does that; SQLite's IMMEDIATE transactions (settings) already hold
the database's single write lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from urikake.audit.actors import Actor
from urikake.audit.models import AuditRecord
from urikake.domain.audit_chain import GENESIS_HASH, compute_hash, to_json_safe

# An arbitrary constant that names "the audit chain" among PostgreSQL advisory locks.
_PG_ADVISORY_LOCK_KEY = 7_300_451_001


def actor_label(actor: Actor) -> str:
    """How an actor is written in the trail: ``user:<pk>``, ``system:<name>``, or ``anonymous``.

    Only the primary key is stored for users: the trail must not copy personal data that a
    later erasure request would have to find.
    """
    if actor is None or isinstance(actor, AnonymousUser):
        return "anonymous"
    if isinstance(actor, str):
        if not actor or ":" not in actor:
            raise ValueError("actor strings look like 'system:<component>' or 'cli:<command>'")
        return actor
    pk = getattr(actor, "pk", None)
    if pk is None:
        raise ValueError("cannot audit an unsaved user as actor")
    return f"user:{pk}"


def record(
    action: str,
    *,
    actor: Actor,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    payload: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Append one record to the audit chain (within the caller's transaction)."""
    if not action or len(action) > 100:
        raise ValueError("action must be a short dotted name such as 'application.submitted'")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    safe_payload = to_json_safe(dict(payload or {}))
    label = actor_label(actor)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_ADVISORY_LOCK_KEY])
        last = AuditRecord.objects.order_by("-seq").only("seq", "hash").first()
        seq = 1 if last is None else last.seq + 1
        prev_hash = GENESIS_HASH if last is None else last.hash
        fields: dict[str, Any] = {
            "seq": seq,
            "created_at": timezone.now(),
            "actor": label,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "payload": safe_payload,
            "prev_hash": prev_hash,
        }
        return AuditRecord.objects.create(**fields, hash=compute_hash(**fields))
