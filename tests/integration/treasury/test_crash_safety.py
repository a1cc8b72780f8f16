"""Crash safety: ``urikake treasury build-batch`` and ``urikake treasury reconcile`` are
SIGKILLed at random points; after each kill no payout is lost or duplicated, no deposit is
applied twice and the ledger balances; re-running the command then ends in exactly the state
an uninterrupted run reaches.

How a trial works (cheap enough for 50+ trials):

* The data (funded deals; for reconciliation also a sent batch and an imported statement) is
  committed once (``transaction=True``) and snapshotted at the database level — SQLite's
  backup API, or a copy of every table in a PostgreSQL schema put back with TRUNCATE + INSERT
  (see :class:`Snapshot`). Restoring it is the only way back: ledger and audit rows refuse
  DELETE, as they should.
* A *fork server* — a child process that has imported Django and the command once — forks a
  fresh process per run that executes ``urikake treasury …`` (``urikake.cli.main``) with its
  own database connection; the server SIGKILLs it after a seeded random delay spread from 0 to
  the measured duration of an uninterrupted run. Forking saves ~1.5 s of start-up per trial,
  which would otherwise dwarf the work being interrupted.
* After the kill: the invariants; then the command is run to completion and the state is
  compared with the uninterrupted run's; then the snapshot is restored.

Set ``URIKAKE_CRASH_SEED`` to replay another seed; the seed is in every failure message.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum

from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    approved,
    funded_deal,
    paid_on,
    statement_file,
)
from urikake.audit.checkpoints import verify_stored_chain
from urikake.domain import ledger as book
from urikake.domain.zengin_transfer import parse_transfer_file
from urikake.ledger import services as ledger
from urikake.ledger.models import LedgerEntry, LedgerLeg
from urikake.receivables.models import FinancingApplication
from urikake.servicing.models import Position
from urikake.treasury import collections, payouts
from urikake.treasury.models import (
    Allocation,
    Deposit,
    Payout,
    PayoutBatch,
)
from urikake.treasury.policy import client_code, debtor_code

pytestmark = pytest.mark.django_db(transaction=True)

SEED = int(os.environ.get("URIKAKE_CRASH_SEED", "20261123"))
TRIALS = 25  # per command: 50 kills in this file
APPLICATION_NAME = "urikake-crash-run"  # how the runs' PostgreSQL sessions are told apart
DEALS = 10
REFERENCE_RUNS = 3  # uninterrupted runs that measure the duration

# The fork server. It never opens a database connection itself (Django connects lazily), so
# every forked run starts with none and opens its own.
SERVER = r"""
import json, os, select, signal, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")
import django
django.setup()
from django.core.management import get_commands, load_command_class
from urikake.cli import main
load_command_class(get_commands()["treasury"], "treasury")
import urikake.applicants.services  # imported lazily by the services: do it once, here
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        code = 0
        try:
            main(request["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    pidfd = os.pidfd_open(pid)
    ready, _, _ = select.select([pidfd], [], [], request.get("kill_after"))
    if not ready:
        os.kill(pid, signal.SIGKILL)  # not reaped yet: the pid is still this child's
    _, status = os.waitpid(pid, 0)
    os.close(pidfd)
    print(json.dumps({
        "killed": os.WIFSIGNALED(status),
        "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "elapsed": time.monotonic() - started,
    }), flush=True)
"""


def database_url(application_name: str = "") -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = quote(s.get("USER") or "postgres", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    url = f"postgres://{user}{password}@{host}:{port}/{s['NAME']}"
    return f"{url}?application_name={application_name}" if application_name else url


@dataclass
class Run:
    killed: bool
    code: int | None
    elapsed: float
    output: str


class ForkServer:
    def __init__(self, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(APPLICATION_NAME),
            # The same var dir: the runs decrypt payout accounts with the test's keys.
            "URIKAKE_VAR_DIR": str(settings.VAR_DIR),
        }
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert json.loads(self._line()) == {"ready": True}

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server died (exit {self.proc.wait()})")
        return line

    def run(self, *argv: str, kill_after: float | None = None) -> Run:
        assert self.proc.stdin is not None
        # --skip-checks: Django's system checks take longer than the work being interrupted.
        request = {
            "argv": ["treasury", "--skip-checks", *argv],
            "log": str(self.log),
            "kill_after": kill_after,
        }
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self._line())
        return Run(answer["killed"], answer["code"], answer["elapsed"], self.log.read_text())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Snapshot:
    """The committed test database saved once and put back between trials.

    SQLite: the backup API copies the whole file. PostgreSQL: every table is copied into a
    schema of its own; a restore empties the tables with TRUNCATE (what the test runner's
    flush does — row triggers such as the ledger's append-only ones do not see it), copies
    the rows back in one transaction and resets the sequences (a killed run may have used
    ids)."""

    SCHEMA = "crash_snapshot"

    def __init__(self, tmp_path: Path) -> None:
        self.file = tmp_path / "snapshot.sqlite3"
        self.tables: list[str] = []
        self.filled: list[str] = []
        self.sequences: list[tuple[str, int | None]] = []

    @staticmethod
    def _sqlite_copy(source: str | Path, target: str | Path) -> None:
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()

    def take(self) -> None:
        if connection.vendor == "sqlite":
            connection.close()
            self._sqlite_copy(connection.settings_dict["NAME"], self.file)
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            self.tables = sorted(name for (name,) in cursor.fetchall())
            cursor.execute(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")
            cursor.execute(f"CREATE SCHEMA {self.SCHEMA}")
            for table in self.tables:
                cursor.execute(f'CREATE TABLE {self.SCHEMA}."{table}" AS TABLE public."{table}"')
                cursor.execute(f'SELECT EXISTS (SELECT 1 FROM public."{table}")')
                if cursor.fetchone()[0]:
                    self.filled.append(table)
            cursor.execute(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
            self.sequences = list(cursor.fetchall())

    def restore(self) -> None:
        if connection.vendor == "sqlite":
            connection.close()
            self._sqlite_copy(self.file, connection.settings_dict["NAME"])
            return
        # Foreign keys are DEFERRABLE INITIALLY DEFERRED: the order of the copies is free.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(f'public."{t}"' for t in self.tables))
            for table in self.filled:
                cursor.execute(
                    f'INSERT INTO public."{table}" OVERRIDING SYSTEM VALUE '
                    f'SELECT * FROM {self.SCHEMA}."{table}"'
                )
            for name, last in self.sequences:
                cursor.execute(
                    "SELECT setval(%s, %s, %s)", [f'public."{name}"', last or 1, last is not None]
                )

    def drop(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA IF EXISTS {self.SCHEMA} CASCADE")


def wait_for_orphans() -> None:
    """A killed client's PostgreSQL backend may still be finishing (even committing) its
    transaction; look at the database only once it is gone."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = %s",
                [APPLICATION_NAME],
            )
            if cursor.fetchone()[0] == 0:
                return
            assert time.monotonic() < deadline, "a killed run's backend did not go away"
            time.sleep(0.02)


@pytest.fixture
def crash_rig(transactional_db: None, tmp_path: Path) -> Iterator[tuple[ForkServer, Snapshot]]:
    server = ForkServer(tmp_path / "run.log")
    snapshot = Snapshot(tmp_path)
    try:
        yield server, snapshot
    finally:
        server.close()
        snapshot.drop()


def delays(rng: random.Random, duration: float) -> list[float]:
    return [rng.uniform(0, duration) for _ in range(TRIALS)]


def make_deals(staff: Any) -> None:
    # Distinct amounts: equal deals of one debtor would be referred as near-duplicates.
    for n in range(DEALS):
        funded_deal(staff, amount=1_100_000 + 10_000 * n)


# ---------------------------------------------------------------------------------------------
# Invariants
# ---------------------------------------------------------------------------------------------


def check_ledger() -> None:
    ids = list(LedgerEntry.objects.values_list("entry_id", flat=True))
    assert len(ids) == len(set(ids)), "a ledger entry id appears twice"
    unbalanced = LedgerLeg.objects.values("entry_id").annotate(total=Sum("amount")).exclude(total=0)
    assert not unbalanced.exists(), f"unbalanced entries: {list(unbalanced)}"
    assert ledger.trial_balance().balanced
    chain = verify_stored_chain()
    assert chain.ok, chain.reason


def check_payouts(expected: set[int]) -> None:
    """Every payout exists once and is pending without a batch, or in exactly one batch whose
    stored file holds it exactly once and regenerates byte for byte."""
    rows = list(Payout.objects.order_by("pk"))
    assert {p.pk for p in rows} == expected, "a payout was lost or created"
    in_files: Counter[str] = Counter()
    for batch in PayoutBatch.objects.order_by("pk"):
        content = bytes(batch.file_content)
        members = [p for p in rows if p.batch_id == batch.pk]
        assert members, f"{batch} holds no payout"
        assert batch.total_count == len(members)
        assert batch.total_amount == sum(p.amount for p in members)
        assert payouts.regenerate(batch) == content
        _, _, transfers = parse_transfer_file(content)
        assert sorted(t.customer_code or "" for t in transfers) == sorted(
            p.customer_code for p in members
        )
        assert sorted(t.amount for t in transfers) == sorted(p.amount for p in members)
        in_files.update(t.customer_code or "" for t in transfers)
    for payout in rows:
        if payout.status == Payout.Status.PENDING:
            assert payout.batch_id is None
            assert in_files[payout.customer_code] == 0
        else:
            assert payout.batch_id is not None
            assert in_files[payout.customer_code] == 1


def check_collections() -> None:
    """Each deposit applied at most once; purchases, suspense and receivables agree with the
    allocations."""
    by_deposit: dict[int, list[Allocation]] = defaultdict(list)
    by_purchase: dict[int, list[Allocation]] = defaultdict(list)
    for a in Allocation.objects.all():
        by_deposit[a.deposit_id].append(a)
        by_purchase[a.purchase_id].append(a)
    applied_entries = set(
        LedgerEntry.objects.filter(entry_id__endswith=":applied").values_list("entry_id", flat=True)
    )
    suspense = 0
    for deposit in Deposit.objects.all():
        allocations = by_deposit[deposit.pk]
        applied = deposit.status in (Deposit.Status.AUTO, Deposit.Status.CONFIRMED)
        assert bool(allocations) == applied == (f"deposit:{deposit.pk}:applied" in applied_entries)
        credited = sum(a.amount for a in allocations)
        fees = sum(a.fee_deducted for a in allocations)
        assert credited <= deposit.amount + fees
        suspense += -deposit.amount + credited - fees
    assert ledger.balance(book.SUSPENSE) == suspense
    expected_receivables: dict[str, int] = defaultdict(int)
    releases = Counter(
        Payout.objects.filter(kind=Payout.Kind.RESERVE).values_list("purchase_id", flat=True)
    )
    for p in Position.objects.all():
        allocations = by_purchase[p.pk]
        assert p.collected_amount == sum(a.amount - a.fee_deducted for a in allocations)
        assert p.fee_deducted == sum(a.fee_deducted for a in allocations)
        account = book.receivable(client_code(p.organization_id), debtor_code(p.debtor_id))
        expected_receivables[account] += p.face_amount - p.collected_amount - p.fee_deducted
        collected = p.status == Position.Status.COLLECTED
        assert collected == (p.residual == 0)
        assert releases[p.pk] == (1 if collected else 0), f"{p}: reserve released wrongly"
        released = LedgerEntry.objects.filter(entry_id=f"reserve:{p.pk}:release").exists()
        assert released == collected
    assert {k: v for k, v in ledger.balances(prefix="receivable").items() if v} == {
        k: v for k, v in expected_receivables.items() if v
    }


# ---------------------------------------------------------------------------------------------
# Final states (what an uninterrupted run leaves; ids that sequences hand out are left out,
# as a killed PostgreSQL transaction may have used some)
# ---------------------------------------------------------------------------------------------


def batch_state() -> dict[str, Any]:
    files = {b.pk: b.file_sha256 for b in PayoutBatch.objects.all()}
    return {
        "payouts": sorted(
            (p.pk, p.status, p.line_number, files.get(p.batch_id or 0))
            for p in Payout.objects.all()
        ),
        "batches": sorted(
            (b.value_date, b.total_count, b.total_amount, b.file_sha256, b.status)
            for b in PayoutBatch.objects.all()
        ),
        "ledger": ledger.balances(),
    }


def collection_state() -> dict[str, Any]:
    return {
        "deposits": sorted(
            (
                d.pk,
                d.status,
                d.reason,
                *sorted(d.allocations.values_list("purchase_id", "amount", "fee_deducted")),
            )
            for d in Deposit.objects.all()
        ),
        # Whether, not when: a run after midnight (Asia/Tokyo) releases on another date.
        "purchases": sorted(
            (p.pk, p.collected_amount, p.fee_deducted, p.status, p.reserve_released_on is not None)
            for p in Position.objects.all()
        ),
        "payouts": sorted(
            Payout.objects.values_list("kind", "purchase_id", "amount", "status", "batch_id")
        ),
        "applications": sorted(FinancingApplication.objects.values_list("pk", "status")),
        "entries": sorted(LedgerEntry.objects.values_list("entry_id", flat=True)),
        "ledger": ledger.balances(),
    }


# ---------------------------------------------------------------------------------------------
# The trials
# ---------------------------------------------------------------------------------------------


def uninterrupted(
    server: ForkServer,
    snapshot: Snapshot,
    argv: tuple[str, ...],
    state: Callable[[], dict[str, Any]],
    check: Callable[[Run], None],
    prepare: Callable[[], None] = lambda: None,
) -> tuple[float, dict[str, Any]]:
    """Run the command to completion a few times from the snapshot: the final state (the same
    each time) and the median duration, over which the kill delays are spread."""
    durations, states = [], []
    for _ in range(REFERENCE_RUNS):
        prepare()
        run = server.run(*argv)
        assert run.code == 0, run.output
        check(run)
        durations.append(run.elapsed)
        states.append(state())
        snapshot.restore()
    assert all(s == states[0] for s in states), "an uninterrupted run is not deterministic"
    return statistics.median(durations), states[0]


def test_killing_batch_generation_never_loses_or_duplicates_a_payout(
    treasury_staff, crash_rig
) -> None:
    server, snapshot = crash_rig
    make_deals(treasury_staff)
    payout_ids = set(Payout.objects.values_list("pk", flat=True))
    assert len(payout_ids) == DEALS
    value_date = max(p.requested_for for p in Payout.objects.all()).isoformat()
    # No --out: the file leaves only after a second person approved the batch (dual control);
    # ``regenerate --out`` writes it then, atomically.
    argv = ("build-batch", "--date", value_date)
    snapshot.take()

    def complete(run: Run) -> None:
        batch = PayoutBatch.objects.get()
        assert batch.total_count == DEALS
        check_payouts(payout_ids)

    duration, expected = uninterrupted(server, snapshot, argv, batch_state, complete, lambda: None)

    rng = random.Random(SEED)
    outcomes: Counter[str] = Counter()
    for trial, delay in enumerate(delays(rng, duration)):
        where = f"seed {SEED}, trial {trial}, killed after {delay:.3f}s"
        run = server.run(*argv, kill_after=delay)
        wait_for_orphans()
        batched = PayoutBatch.objects.exists()
        outcomes[("killed" if run.killed else "finished") + ("+batch" if batched else "")] += 1
        try:
            check_payouts(payout_ids)
            check_ledger()
            assert server.run(*argv).code == 0
            assert batch_state() == expected
        except AssertionError as exc:
            raise AssertionError(f"{where}: {exc}\n{run.output}") from exc
        snapshot.restore()
    print(f"build-batch: {DEALS} payouts, run {duration:.3f}s, outcomes {outcomes}")
    assert outcomes["killed"] >= 1, f"no kill landed before the commit: {outcomes}"


def test_killing_reconciliation_never_applies_a_deposit_twice(treasury_staff, crash_rig) -> None:
    server, snapshot = crash_rig
    make_deals(treasury_staff)
    value_date = max(p.requested_for for p in Payout.objects.all())
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=value_date)
    assert batch is not None
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchases = list(Position.objects.order_by("pk"))
    content = statement_file(
        [(paid_on(p), p.face_amount, DEBTOR_PAYER) for p in purchases[:-1]]
        # The last payer deducted the transfer fee; two more receipts are nobody's.
        + [
            (paid_on(purchases[-1]), purchases[-1].face_amount - 440, DEBTOR_PAYER),
            (paid_on(purchases[0]), 12_345, "ﾀﾅｶ ﾀﾛｳ"),
            (paid_on(purchases[0]), 777, "ｽｽﾞｷ"),
        ]
    )
    collections.import_collection_statement(
        content, filename="nyukin.txt", acting_user=treasury_staff
    )
    snapshot.take()

    def complete(run: Run) -> None:
        assert f"自動消込 {DEALS}件 / 確認待ち 0件 / 該当なし 2件" in run.output, run.output
        check_collections()
        check_ledger()

    duration, expected = uninterrupted(server, snapshot, ("reconcile",), collection_state, complete)

    rng = random.Random(SEED + 1)
    partial = 0
    killed = 0
    for trial, delay in enumerate(delays(rng, duration)):
        where = f"seed {SEED}, trial {trial}, killed after {delay:.3f}s"
        run = server.run("reconcile", kill_after=delay)
        wait_for_orphans()
        killed += run.killed
        applied = Deposit.objects.filter(status=Deposit.Status.AUTO).count()
        partial += 0 < applied < DEALS
        try:
            check_collections()
            check_ledger()
            assert server.run("reconcile").code == 0
            assert collection_state() == expected
        except AssertionError as exc:
            raise AssertionError(f"{where} ({applied} applied): {exc}\n{run.output}") from exc
        snapshot.restore()
    print(
        f"reconcile: {DEALS} deposits, run {duration:.3f}s, "
        f"killed {killed}/{TRIALS}, part-way {partial}"
    )
    assert partial >= 1, "no kill landed while deposits were being applied"
