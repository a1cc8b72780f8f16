"""Fault test: a worker killed (SIGKILL) in the middle of a task (issue 14, item 4).

How the kill lands at the right moment, deterministically: the code calls
``urikake.faults.checkpoint(name)`` at the moments worth testing. A worker started with
``URIKAKE_FAULT_PAUSE_AT=<name>`` writes its pid to ``URIKAKE_FAULT_MARKER`` when it reaches
that checkpoint and sleeps there; the test waits for the file, checks what is (not yet) in the
database, and sends SIGKILL — no timer, no race. A second, ordinary worker then finds the task
RUNNING with a silent heartbeat, queues it again (``urikake.system.task_recovery``) and runs
it. The assertions: the task ends SUCCESSFUL after two claims, and its effect (decision, audit
records, ledger entries, deposits matched, payout batches) exists exactly once.

Payout batches are built by ``urikake treasury build-batch`` (or the page), not by a task: the
process building one is killed the same way, and the next run builds the one batch.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    DEBTOR_PAYER,
    payment_history,
    verified_applicant,
)
from tests.integration.treasury.helpers import funded_deal, paid_on, purchase_of, statement_file
from urikake.audit.models import AuditRecord
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.ledger.models import LedgerEntry
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication
from urikake.treasury import statement_jobs
from urikake.treasury.models import Deposit, Payout, PayoutBatch
from urikake.treasury.policy import next_value_date

pytestmark = pytest.mark.django_db(transaction=True)

HEARTBEAT = "0.5"  # seconds between heartbeats in these workers
STALE_AFTER = "2"  # a silent worker's task is queued again after this many seconds


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    return f"postgres://{s.get('USER') or 'postgres'}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def _env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "URIKAKE_VAR_DIR": str(settings.VAR_DIR),  # the same keys and stored files as the test
        "SCREENING_VENDOR_CHECKS": "0",  # as under pytest: no vendor simulators running here
        "URIKAKE_MAIL_TASK_BACKEND": "immediate",
        "URIKAKE_SMS_TASK_BACKEND": "immediate",
        "URIKAKE_WORKER_HEARTBEAT": HEARTBEAT,
        "URIKAKE_WORKER_STALE_AFTER": STALE_AFTER,
        **extra,
    }


class Processes:
    def __init__(self) -> None:
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "urikake", *args],
            env=_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.started.append(proc)
        return proc

    def worker(self, **env: str) -> subprocess.Popen[str]:
        return self.start("worker", "--no-startup-delay", "--interval", "0.2", **env)


@pytest.fixture
def processes() -> Iterator[Processes]:
    running = Processes()
    yield running
    for proc in running.started:
        if proc.poll() is None:
            proc.terminate()
    for proc in running.started:
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _paused_at(processes: Processes, tmp_path: Path, name: str, *args: str) -> int:
    """Start a process told to stop at checkpoint ``name``; return its pid once it is there."""
    marker = tmp_path / f"{name}.pid"
    env = {"URIKAKE_FAULT_PAUSE_AT": name, "URIKAKE_FAULT_MARKER": str(marker)}
    proc = processes.worker(**env) if not args else processes.start(*args, **env)
    deadline = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None:
            output = proc.communicate()[0]
            pytest.fail(f"the process ended before checkpoint {name}: {output[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"checkpoint {name} not reached in 60 s: {proc.communicate()[0][-3000:]}")
        time.sleep(0.05)
    return proc.pid


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)  # the process is reaped by the fixture's Popen


def _wait_for(task: DBTaskResult, status: str, timeout: float = 60) -> DBTaskResult:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task.refresh_from_db()
        if task.status == status:
            return task
        time.sleep(0.2)
    raise AssertionError(f"task {task.task_path} is {task.status}, not {status}")


def _submitted_application() -> FinancingApplication:
    """An application submitted by its applicant; its screening task is queued (not run)."""
    user, org = verified_applicant()
    payment_history(org, user)
    today = timezone.localdate()
    debtor = services.register_debtor(
        org,
        acting_user=user,
        name=DEBTOR_NAME,
        name_kana=DEBTOR_KANA,
        corporate_number=DEBTOR_CORPORATE_NUMBER,
    )
    amount = 1_100_000
    data = InvoiceData(
        issuer_name=org.name,
        debtor_name=DEBTOR_NAME,
        invoice_number="INV-FAULT-1",
        issue_date=today - timedelta(days=1),
        due_date=today + timedelta(days=60),
        total_amount=amount,
        tax_breakdown=(
            TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
        ),
    )
    invoice = services.register_invoice(org, data, acting_user=user, debtor=debtor, source="form")
    application = services.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    services.submit_application(application, acting_user=user)  # enqueues on commit
    return application


def _treasury_staff():
    user = get_user_model().objects.create_user(
        email="treasury@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def _actions(action: str, object_id: object) -> int:
    return AuditRecord.objects.filter(action=action, object_id=str(object_id)).count()


@pytest.mark.parametrize(
    "checkpoint",
    [
        "screening.in_transaction",  # decision written, not committed: rolled back by the kill
        "screening.after_commit",  # decision committed, the task's result not yet stored
    ],
)
def test_screening_killed_mid_task_is_retried_and_decides_once(
    processes: Processes, tmp_path: Path, checkpoint: str
) -> None:
    application = _submitted_application()
    task = DBTaskResult.objects.get(task_path__endswith="screen_application")

    pid = _paused_at(processes, tmp_path, checkpoint)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    application.refresh_from_db()
    expected_before = "submitted" if checkpoint == "screening.in_transaction" else "offered"
    assert application.status == expected_before
    _kill(pid)

    processes.worker()  # an ordinary worker: recovers the task and runs it
    task = _wait_for(task, TaskResultStatus.SUCCESSFUL)

    assert len(task.worker_ids) == 2  # claimed by the killed worker, then by the second one
    assert task.return_value == "offered"
    application.refresh_from_db()
    assert application.status == "offered"
    assert _actions("application.offered", application.pk) == 1  # decided exactly once
    assert _actions("system.task_requeued", task.id) == 1


def test_statement_import_killed_half_way_through_reconciliation_matches_each_deposit_once(
    processes: Processes, tmp_path: Path
) -> None:
    staff = _treasury_staff()
    deals = [funded_deal(staff, amount=amount) for amount in (1_200_000, 2_300_000)]
    purchases = [purchase_of(deal) for deal in deals]
    content = statement_file([(paid_on(p), p.face_amount, DEBTOR_PAYER) for p in purchases])
    job = statement_jobs.queue_import(
        content, filename="collection.txt", file_format="zengin", acting_user=staff
    )
    task = DBTaskResult.objects.get(task_path__endswith="import_statement")
    entries_before = LedgerEntry.objects.count()

    pid = _paused_at(processes, tmp_path, "reconciliation.deposit_applied")
    # Killed with one deposit matched (committed) and the other not yet looked at.
    assert Deposit.objects.count() == 2
    assert Deposit.objects.filter(status="auto").count() == 1
    job.refresh_from_db()
    assert (job.status, job.stage) == ("running", "reconciling")
    # Posted so far: one "received" entry per imported deposit, and the entries of matching one.
    matching_one = LedgerEntry.objects.count() - entries_before - 2
    assert matching_one > 0
    _kill(pid)

    processes.worker()
    task = _wait_for(task, TaskResultStatus.SUCCESSFUL)
    job.refresh_from_db()
    assert (job.status, job.stage) == ("done", "finished")
    assert len(task.worker_ids) == 2
    assert Deposit.objects.count() == 2  # the statement was not imported twice
    assert Deposit.objects.filter(status="auto").count() == 2
    for deposit in Deposit.objects.all():
        assert _actions("treasury.deposit_auto", deposit.pk) == 1
    # The import's entries and those of the deposit matched before the kill were not posted
    # again: two deposits received once, each matched once.
    assert LedgerEntry.objects.count() - entries_before == 2 + 2 * matching_one
    for deposit in Deposit.objects.all():
        ids = set(LedgerEntry.objects.filter(entry_id__startswith=f"deposit:{deposit.pk}:"))
        assert {e.entry_id for e in ids} == {
            f"deposit:{deposit.pk}:received",
            f"deposit:{deposit.pk}:applied",
        }
    assert _actions("treasury.statement_import_finished", job.pk) == 1


def test_batch_building_killed_before_commit_leaves_nothing_and_the_next_run_builds_one(
    processes: Processes, tmp_path: Path
) -> None:
    staff = _treasury_staff()
    for amount in (1_200_000, 2_300_000):
        funded_deal(staff, amount=amount)
    assert Payout.objects.filter(status="pending").count() == 2
    # After the screening's noon cut-off the offers pay out on the next business day.
    due = max(next_value_date(), *Payout.objects.values_list("requested_for", flat=True))
    build = ("treasury", "build-batch", "--date", due.isoformat())

    pid = _paused_at(processes, tmp_path, "payout_batch.in_transaction", *build)
    _kill(pid)
    assert not PayoutBatch.objects.exists()  # the killed run's transaction left nothing
    assert Payout.objects.filter(status="pending").count() == 2

    done = processes.start(*build)
    output, _ = done.communicate(timeout=60)
    assert done.returncode == 0, output
    batch = PayoutBatch.objects.get()
    assert batch.total_count == 2
    assert set(Payout.objects.values_list("status", "batch_id")) == {("batched", batch.pk)}
    assert _actions("treasury.batch_generated", batch.pk) == 1


def test_recover_command_requeues_a_dead_workers_task_and_refuses_a_short_threshold(
    processes: Processes, tmp_path: Path
) -> None:
    from urikake.system.tasks import ping

    result = ping.enqueue("once")
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("dead-worker")  # what a worker does; then it was killed (no heartbeat at all)
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() - timedelta(minutes=5))

    refused = processes.start("tasks", "recover", "--older-than", "0.1")
    output, _ = refused.communicate(timeout=60)
    assert refused.returncode != 0
    assert "ハートビート間隔の2倍" in output
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING

    recover = processes.start("tasks", "recover", "--older-than", "60")
    output, _ = recover.communicate(timeout=60)
    assert recover.returncode == 0, output
    assert "再実行待ちに戻した処理: 1件" in output
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert _actions("system.task_requeued", task.id) == 1


def test_a_task_that_keeps_killing_its_worker_is_failed_not_requeued_for_ever() -> None:
    from urikake.system.task_recovery import MAX_CLAIMS, recover_stale_tasks
    from urikake.system.tasks import ping

    result = ping.enqueue("poison")
    task = DBTaskResult.objects.get(pk=result.id)
    for n in range(MAX_CLAIMS):
        task.claim(f"dead-worker-{n}")
    outcome = recover_stale_tasks(
        older_than=timedelta(seconds=30), now=timezone.now() + timedelta(minutes=5)
    )
    assert outcome.failed == [str(task.id)]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert _actions("system.task_abandoned", task.id) == 1


def test_a_live_workers_running_task_is_left_alone() -> None:
    from urikake.system.models import WorkerHeartbeat
    from urikake.system.task_recovery import recover_stale_tasks
    from urikake.system.tasks import ping

    result = ping.enqueue("busy")
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("live-worker")
    now = timezone.now() + timedelta(minutes=5)
    WorkerHeartbeat.objects.create(
        worker_id="live-worker", hostname="h", pid=1, started_at=now, last_seen=now
    )
    assert recover_stale_tasks(older_than=timedelta(seconds=30), now=now).requeued == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_a_worker_never_queues_its_own_running_task_again() -> None:
    """Its heartbeat row can look stale (on SQLite the heartbeat waits for the write lock
    behind the worker's own task); the worker asking is alive all the same."""
    from urikake.system.models import WorkerHeartbeat
    from urikake.system.task_recovery import recover_stale_tasks
    from urikake.system.tasks import ping

    result = ping.enqueue("mine")
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim("this-worker")
    now = timezone.now() + timedelta(minutes=5)
    WorkerHeartbeat.objects.create(
        worker_id="this-worker", hostname="h", pid=1, started_at=now, last_seen=now
    )
    WorkerHeartbeat.objects.filter(worker_id="this-worker").update(
        last_seen=now - timedelta(seconds=10)  # older than the threshold below
    )
    asked_by_itself = recover_stale_tasks(
        older_than=timedelta(seconds=2), now=now, alive="this-worker"
    )
    assert asked_by_itself.requeued == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    # asked by anyone else, the same task is a dead worker's
    assert recover_stale_tasks(older_than=timedelta(seconds=2), now=now).requeued == [str(task.id)]
