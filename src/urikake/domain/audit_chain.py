"""The hash chain behind the audit trail, as pure functions.

Use this module for the *rules* of the chain (what is hashed, how a chain is checked); use
``urikake.audit.services.record`` to *write* an audit record. Keeping the rules here, free of
Django, lets ``urikake audit verify`` and the unit tests share exactly one definition.

Each record's hash is SHA-256 over a canonical JSON document holding its sequence number,
UTC time, actor, action, object type and id, payload and the previous record's hash. Any
update, delete, insert or reorder of stored records therefore breaks the chain at the first
touched record. An attacker who can rewrite the whole table can recompute every hash; signed
checkpoints of the chain head kept outside the database (``urikake audit checkpoint``)
detect that too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

GENESIS_HASH = "0" * 64
JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


def to_json_safe(value: Any) -> JsonValue:
    """Normalise a payload to JSON that survives a database round trip unchanged.

    Decimals, dates and UUIDs become strings; floats are refused because no float may touch
    money and a float's text form is not stable across JSON implementations.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        raise TypeError("audit payloads must not contain floats; use Decimal or int")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise TypeError("audit payloads need timezone-aware datetimes")
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_json_safe(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json_safe(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_safe(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((to_json_safe(v) for v in value), key=lambda v: json.dumps(v))
    raise TypeError(f"cannot put {type(value).__name__} into an audit payload")


def canonical_json(value: JsonValue) -> str:
    """One byte-exact text for a JSON value: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_timestamp(when: dt.datetime) -> str:
    """The UTC text of a record's time that goes into its hash (microsecond precision)."""
    if when.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return when.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclasses.dataclass(frozen=True, slots=True)
class ChainEntry:
    """What the chain covers of one stored audit record."""

    seq: int
    created_at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    payload: JsonValue
    prev_hash: str
    hash: str


def compute_hash(
    *,
    seq: int,
    created_at: dt.datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    payload: JsonValue,
    prev_hash: str,
) -> str:
    document: dict[str, JsonValue] = {
        "seq": seq,
        "time": format_timestamp(created_at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "payload": payload,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def entry_hash(entry: ChainEntry) -> str:
    return compute_hash(
        seq=entry.seq,
        created_at=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        payload=entry.payload,
        prev_hash=entry.prev_hash,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of checking a chain; ``first_broken_seq`` names where it breaks."""

    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(entries: Iterable[ChainEntry]) -> ChainReport:
    """Check a chain given in ascending ``seq`` order; stop at the first broken record.

    The checks, in order, for each record: its sequence number follows the previous one
    (a gap means a delete, a repeat or a step back means an insert or a reorder); it links
    to the previous record's hash; its own stored hash matches its content (an update).
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            kind = "missing (deleted?)" if entry.seq > expected_seq else "out of order (inserted?)"
            return ChainReport(
                ok=False,
                checked=checked,
                head_seq=expected_seq - 1,
                head_hash=prev_hash,
                first_broken_seq=entry.seq if entry.seq < expected_seq else expected_seq,
                reason=f"record {expected_seq} {kind}: found seq {entry.seq}",
            )
        if entry.prev_hash != prev_hash:
            return ChainReport(
                ok=False,
                checked=checked,
                head_seq=expected_seq - 1,
                head_hash=prev_hash,
                first_broken_seq=entry.seq,
                reason=f"record {entry.seq} does not link to record {entry.seq - 1}",
            )
        if entry_hash(entry) != entry.hash:
            return ChainReport(
                ok=False,
                checked=checked,
                head_seq=expected_seq - 1,
                head_hash=prev_hash,
                first_broken_seq=entry.seq,
                reason=f"record {entry.seq} content does not match its hash (modified)",
            )
        checked += 1
        prev_hash = entry.hash
        expected_seq += 1
    return ChainReport(ok=True, checked=checked, head_seq=expected_seq - 1, head_hash=prev_hash)
