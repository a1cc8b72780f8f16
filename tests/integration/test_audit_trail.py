"""The audit trail: append, verify, and detect each kind of tampering (issue 2, item 6)."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from urikake.audit import services as audit
from urikake.audit.checkpoints import verify_stored_chain
from urikake.audit.models import AuditRecord
from urikake.domain.audit_chain import GENESIS_HASH, compute_hash

pytestmark = pytest.mark.django_db


@contextmanager
def tamper_access() -> Iterator[None]:
    """Act as an attacker with raw database access: on PostgreSQL, switch the trigger off."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_record_append_only")
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute("ALTER TABLE audit_auditrecord ENABLE TRIGGER audit_record_append_only")
    else:
        yield


def write_records(n: int) -> list[AuditRecord]:
    return [
        audit.record(
            "test.event",
            actor="system:test",
            object_type="test.thing",
            object_id=str(i),
            payload={"i": i, "amount": 1000 * i, "note": "売掛債権"},
        )
        for i in range(1, n + 1)
    ]


def test_records_form_a_chain() -> None:
    records = write_records(5)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    for prev, cur in itertools.pairwise(records):
        assert cur.prev_hash == prev.hash
    report = verify_stored_chain()
    assert report.ok
    assert report.checked == 5
    assert report.head_hash == records[-1].hash


def test_record_stores_user_pk_not_personal_data(django_user_model) -> None:
    user = django_user_model.objects.create_user(email="taro@example.com", password="x" * 20)
    rec = audit.record("test.login", actor=user, obj=user)
    assert rec.actor == f"user:{user.pk}"
    assert rec.object_type == "accounts.user"
    assert "taro" not in json.dumps(rec.payload)


def test_payload_with_float_is_refused_and_nothing_written() -> None:
    with pytest.raises(TypeError):
        audit.record("test.bad", actor="system:test", payload={"amount": 1.5})
    assert AuditRecord.objects.count() == 0


def test_record_rolls_back_with_the_change_it_describes() -> None:
    write_records(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record("test.event", actor="system:test")
        raise RuntimeError("the business change failed")
    assert AuditRecord.objects.count() == 1
    assert verify_stored_chain().ok


def test_verify_detects_an_update() -> None:
    write_records(5)
    with tamper_access():
        AuditRecord.objects.filter(seq=3).update(payload={"i": 3, "amount": 1, "note": "x"})
    report = verify_stored_chain()
    assert not report.ok
    assert report.first_broken_seq == 3
    assert "modified" in report.reason


def test_verify_detects_a_delete() -> None:
    write_records(5)
    with tamper_access():
        AuditRecord.objects.filter(seq=2).delete()
    report = verify_stored_chain()
    assert not report.ok
    assert report.first_broken_seq == 2


def test_verify_detects_a_deleted_tail_only_with_a_checkpoint(tmp_path: Path) -> None:
    write_records(4)
    checkpoint = tmp_path / "cp.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint))
    with tamper_access():
        AuditRecord.objects.filter(seq__gte=4).delete()
    # A truncated chain is still internally consistent …
    assert verify_stored_chain().ok
    # … but the signed checkpoint names a record that is gone.
    with pytest.raises(CommandError, match="missing"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_verify_detects_an_insert() -> None:
    records = write_records(4)
    forged = records[1]
    with tamper_access():
        # Make room after record 2 and slip a forged record in, well hashed on its own.
        for seq in (4, 3):
            AuditRecord.objects.filter(seq=seq).update(seq=seq + 1)
        digest = compute_hash(
            seq=3,
            created_at=forged.created_at,
            actor="system:attacker",
            action="test.event",
            object_type="test.thing",
            object_id="99",
            payload={},
            prev_hash=forged.hash,
        )
        AuditRecord.objects.create(
            seq=3,
            created_at=forged.created_at,
            actor="system:attacker",
            action="test.event",
            object_type="test.thing",
            object_id="99",
            payload={},
            prev_hash=forged.hash,
            hash=digest,
        )
    report = verify_stored_chain()
    assert not report.ok
    # The forged record itself links and hashes fine; the record after it no longer links.
    assert report.first_broken_seq == 4


def test_verify_detects_a_reorder() -> None:
    write_records(5)
    with tamper_access():
        AuditRecord.objects.filter(seq=2).update(seq=-2)
        AuditRecord.objects.filter(seq=3).update(seq=2)
        AuditRecord.objects.filter(seq=-2).update(seq=3)
    report = verify_stored_chain()
    assert not report.ok
    assert report.first_broken_seq == 2


def test_verify_command_names_first_broken_record() -> None:
    write_records(3)
    call_command("audit", "verify")  # intact: no error
    with tamper_access():
        AuditRecord.objects.filter(seq=2).update(actor="system:someone-else")
    with pytest.raises(CommandError, match="record 2"):
        call_command("audit", "verify")


def test_checkpoint_detects_a_rewritten_chain(tmp_path: Path) -> None:
    write_records(5)
    checkpoint = tmp_path / "cp.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint))
    call_command("audit", "verify", "--checkpoint", str(checkpoint))

    # Rewrite record 2 and recompute every later hash: the chain is consistent again.
    with tamper_access():
        rows = list(AuditRecord.objects.order_by("seq"))
        prev = GENESIS_HASH
        for row in rows:
            payload = {"rewritten": True} if row.seq == 2 else row.payload
            digest = compute_hash(
                seq=row.seq,
                created_at=row.created_at,
                actor=row.actor,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                payload=payload,
                prev_hash=prev,
            )
            AuditRecord.objects.filter(pk=row.pk).update(
                payload=payload, prev_hash=prev, hash=digest
            )
            prev = digest
    assert verify_stored_chain().ok
    with pytest.raises(CommandError, match="rewritten"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_altered_checkpoint_file_is_rejected(tmp_path: Path) -> None:
    write_records(2)
    checkpoint = tmp_path / "cp.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint))
    data = json.loads(checkpoint.read_text())
    data["seq"] = 1
    checkpoint.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="signature"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_checkpoint_refuses_to_sign_a_broken_chain(tmp_path: Path) -> None:
    write_records(3)
    with tamper_access():
        AuditRecord.objects.filter(seq=1).update(action="test.other")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "checkpoint", "--out", str(tmp_path / "cp.json"))
    assert not (tmp_path / "cp.json").exists()


def test_checkpoint_itself_is_audited(tmp_path: Path) -> None:
    write_records(1)
    call_command("audit", "checkpoint", "--out", str(tmp_path / "cp.json"))
    last = AuditRecord.objects.order_by("-seq").first()
    assert last is not None
    assert last.action == "audit.checkpoint_signed"
    assert last.payload["seq"] == 1


@pytest.mark.usefixtures("postgresql_only")
def test_postgresql_refuses_update_and_delete() -> None:
    write_records(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(seq=1).update(action="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditRecord.objects.filter(seq=2).delete()
    assert verify_stored_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    """Threads appending at once must never fork the chain (each on its own connection)."""
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit.record("test.concurrent", actor=f"system:t{n}", object_id=str(i))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = verify_stored_chain()
    assert report.ok
    assert report.checked == 40
