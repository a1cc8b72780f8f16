"""The move of the positions from treasury to servicing loses nothing (issue 9, item 2).

On a database holding the demo data (plus the demo's collection statement imported and
reconciled, so positions have allocations and a holdback payout), every ledger balance, every
position row, every payout / allocation link and every audit record is snapshot; the database
is migrated back to the state before servicing existed, the rows are read there through the
old model, then migrated forward again: the snapshot must be identical and the audit chain
must still verify. Runs on SQLite and PostgreSQL (transactional: migrations need a real
connection, not a test transaction).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Sum

from urikake.audit.checkpoints import verify_stored_chain
from urikake.audit.models import AuditRecord
from urikake.ledger.models import LedgerLeg
from urikake.servicing.models import Position, PositionNote
from urikake.system import demo_products
from urikake.system.demo import load_demo_data
from urikake.treasury import collections
from urikake.treasury.models import Allocation, Payout

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE_SERVICING = [("servicing", None), ("treasury", "0005_treasury_notes")]
POSITION_FIELDS = [f.attname for f in Position._meta.concrete_fields]


def _snapshot() -> dict[str, Any]:
    return {
        "balances": {
            row["account"]: row["total"]
            for row in LedgerLeg.objects.values("account").annotate(total=Sum("amount"))
        },
        "positions": list(Position.objects.order_by("pk").values(*POSITION_FIELDS)),
        "notes": list(PositionNote.objects.order_by("pk").values()),
        "payout_links": list(Payout.objects.order_by("pk").values_list("pk", "purchase_id")),
        "allocations": list(Allocation.objects.order_by("pk").values()),
        "audit": list(AuditRecord.objects.order_by("seq").values()),
    }


def _demo_with_collections() -> None:
    load_demo_data()
    statement = Path(settings.VAR_DIR) / "demo" / "collection-statement.txt"
    collections.import_collection_statement(
        statement.read_bytes(), filename=statement.name, acting_user="system:test"
    )
    collections.run_reconciliation(acting_user="system:test")


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader sees the applied set


def test_positions_survive_the_move_to_servicing_and_back(monkeypatch: pytest.MonkeyPatch) -> None:
    # The schema before servicing cannot hold the newer products' payouts (their kinds came in
    # later treasury migrations), so this demo leaves the loan, guarantee and bulk demo out.
    monkeypatch.setattr(demo_products, "load_products_demo", lambda password: None)
    _demo_with_collections()
    before = _snapshot()
    assert before["positions"], "the demo must fund at least one position"
    assert before["allocations"], "the demo statement must be applied to a position"
    assert any(purchase for _, purchase in before["payout_links"])  # the holdback release

    executor = _migrate(BEFORE_SERVICING)
    try:
        old = executor.loader.project_state(("treasury", "0005_treasury_notes")).apps
        assert not any(app == "servicing" for app, _ in executor.loader.applied_migrations)
        legacy = old.get_model("treasury", "PurchasedReceivable")
        assert list(legacy.objects.order_by("pk").values(*POSITION_FIELDS)) == before["positions"]
        legacy_payout = old.get_model("treasury", "Payout")
        assert (
            list(legacy_payout.objects.order_by("pk").values_list("pk", "purchase_id"))
            == before["payout_links"]
        )
    finally:
        executor = _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert ("servicing", "0001_positions_from_treasury") in executor.loader.applied_migrations
    after = _snapshot()
    assert after == before
    report = verify_stored_chain()
    assert report.ok, report.reason
    assert report.checked == len(before["audit"])
