"""Back-office dashboards: the metric queries (SQL aggregates) on a book of N applications
with N/2 financed positions, their advances sent, spread over 12 months, across 200 clients
and 500 debtors.

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database) when set. The book is written with
``bulk_create`` (the services are measured elsewhere); only the dashboard's reads are timed.

    .venv/bin/python benchmarks/bench_dashboard.py        # 10,000 and 100,000 applications
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_dashboard.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

tmp = tempfile.mkdtemp(prefix="urikake-bench-")
os.environ["URIKAKE_VAR_DIR"] = tmp
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from urikake.accounts.models import User  # noqa: E402
from urikake.applicants.models import Industry, Organization  # noqa: E402
from urikake.backoffice import dashboard  # noqa: E402
from urikake.receivables.models import (  # noqa: E402
    Debtor,
    DebtorIdentity,
    FinancingApplication,
    Invoice,
)
from urikake.servicing.models import Position  # noqa: E402
from urikake.treasury.models import Payout, PayoutBatch  # noqa: E402

CLIENTS, DEBTORS = 200, 500
STATUSES = ["offered", "declined", "referred", "accepted", "contracted", "cancelled", "expired"]
FINANCED = ["funded", "settled", "defaulted"]
CHUNK = 5_000


def _book_base(rng: random.Random) -> tuple[User, list[Organization], list[DebtorIdentity]]:
    user = User.objects.create_user(email="bench@example.jp", password="x" * 20)
    industries = [c for c, _ in Industry.choices]
    orgs = Organization.objects.bulk_create(
        Organization(
            kind="corporation",
            name=f"ベンチ{i}株式会社",
            industry=rng.choice(industries),
            created_by=user,
        )
        for i in range(CLIENTS)
    )
    identities = DebtorIdentity.objects.bulk_create(
        DebtorIdentity(key=f"bench-{i}", display_name=f"売掛先{i}株式会社") for i in range(DEBTORS)
    )
    return user, orgs, identities


def build(n: int, seed: int = 2026) -> None:
    """N applications over 12 months; half of them financed (a position and a sent advance)."""
    rng = random.Random(seed)
    user, orgs, identities = _book_base(rng)
    debtors = {}
    now = timezone.now()
    batch = PayoutBatch.objects.create(
        value_date=now.date(),
        cutoff="14:00",
        status="sent",
        file_content=b"",
        file_sha256="0" * 64,
        total_count=0,
        total_amount=0,
        sent_at=now,
    )
    for start in range(0, n, CHUNK):
        size = min(CHUNK, n - start)
        with transaction.atomic():
            apps, invoices, plan = [], [], []
            for i in range(start, start + size):
                org = orgs[i % CLIENTS]
                identity = identities[rng.randrange(DEBTORS) if i % 3 else i % 5]
                key = (org.pk, identity.pk)
                if key not in debtors:
                    debtors[key] = Debtor.objects.create(
                        organization=org,
                        identity=identity,
                        name=identity.display_name,
                        name_kana="ウリカケサキ",
                        created_by=user,
                    )
                financed = i % 2 == 0
                submitted = now - timedelta(days=rng.randrange(365), hours=rng.randrange(24))
                face = rng.randrange(100, 5_000) * 1_000
                status = rng.choice(FINANCED) if financed else rng.choice(STATUSES)
                apps.append(
                    FinancingApplication(
                        organization=org,
                        product=rng.choice(["two_party", "three_party"]),
                        requested_amount=face,
                        status=status,
                        created_by=user,
                        submitted_at=submitted,
                    )
                )
                due = submitted.date() + timedelta(days=rng.randrange(20, 90))
                invoices.append(
                    Invoice(
                        organization=org,
                        debtor=debtors[key],
                        invoice_number=f"B-{i}",
                        issue_date=submitted.date(),
                        due_date=due,
                        total_amount=face,
                        source="form",
                        fingerprint=f"bench-{i}",
                        created_by=user,
                    )
                )
                plan.append((financed, face, due, status, submitted))
            apps = FinancingApplication.objects.bulk_create(apps)
            invoices = Invoice.objects.bulk_create(invoices)
            positions, payouts = [], []
            for app, inv, (financed, face, due, status, submitted) in zip(
                apps, invoices, plan, strict=True
            ):
                if not financed:
                    continue
                collected = face if status == "settled" else 0
                positions.append(
                    Position(
                        application=app,
                        invoice=inv,
                        organization_id=app.organization_id,
                        debtor_id=inv.debtor_id,
                        product=app.product,
                        face_amount=face,
                        advance_amount=face * 8 // 10,
                        fee=face // 20,
                        holdback=face // 10,
                        due_date=due,
                        expected_on=due,
                        collected_amount=collected,
                        fee_deducted=rng.choice([0, 0, 0, 440, 660]) if collected == 0 else 0,
                        status={"settled": "collected", "defaulted": "defaulted"}.get(
                            status, "open"
                        ),
                    )
                )
                payouts.append(
                    Payout(
                        organization_id=app.organization_id,
                        application=app,
                        kind="advance",
                        amount=face * 8 // 10,
                        requested_for=submitted.date(),
                        bank_code="0001",
                        branch_code="001",
                        account_type=1,
                        account_number="1234567",
                        holder_kana="ﾍﾞﾝﾁ",
                        status="sent",
                        batch=batch,
                        line_number=len(payouts) + start + 1,
                    )
                )
            Position.objects.bulk_create(positions)
            Payout.objects.bulk_create(payouts)


def main() -> None:
    call_command("migrate", verbosity=0)
    rows: list[Row] = []
    for n in sizes([10_000, 100_000], [500]):
        call_command("flush", interactive=False, verbosity=0)
        _, secs = timed(lambda n=n: build(n))
        rows.append(Row(f"build book (bulk_create), n={n:,}", n, secs, "app"))
        period = dashboard.Period.default()
        for key in dashboard.SECTION_KEYS:
            _, secs = timed(lambda key=key: dashboard.build_section(key, period))
            rows.append(Row(f"section {key}", n, secs, "app"))
        _, secs = timed(lambda: dashboard.build(period))
        rows.append(Row("all seven sections", n, secs, "app"))
    print_table("Back-office dashboards (metric queries)", rows)


if __name__ == "__main__":
    main()
