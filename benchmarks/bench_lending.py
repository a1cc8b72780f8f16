"""Receivables-backed loans: the borrowing base of one client with 10,000 pledged receivables,
the month-end balance report (PDF + CSV) for 1,000 loans, and the open items the statement
reconciliation gets from lending (every pledged receivable and loan).

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` when set.

    .venv/bin/python benchmarks/bench_lending.py          # 10,000 receivables, 1,000 loans
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_lending.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from datetime import timedelta
from decimal import Decimal
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
from django.utils import timezone  # noqa: E402

from urikake.accounts.models import User  # noqa: E402
from urikake.applicants.models import Organization  # noqa: E402
from urikake.domain.lending import month_end  # noqa: E402
from urikake.lending import services  # noqa: E402
from urikake.lending.collections import LoanReceiptBook  # noqa: E402
from urikake.lending.models import Collateral, Draw, LoanFacility  # noqa: E402
from urikake.receivables import services as receivables  # noqa: E402
from urikake.receivables.models import Invoice  # noqa: E402
from urikake.treasury.models import Payout  # noqa: E402

ACTOR = "system:bench"
RATES = (Decimal("0.50"), Decimal("0.70"), Decimal("0.90"))


def _client(run: str, user: User) -> tuple[Organization, int]:
    org = Organization.objects.create(kind="corporation", name=f"ベンチ{run}株式会社")
    debtor = receivables.register_debtor(
        org, acting_user=user, name="株式会社ヤマダ商事", name_kana="ヤマダシヨウジ"
    )
    return org, debtor.pk


def _facility(org: Organization, user: User, *, amount: int) -> LoanFacility:
    today = timezone.localdate()
    return LoanFacility.objects.create(
        organization=org,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        status=LoanFacility.Status.ACTIVE,
        requested_amount=amount,
        purpose="bench",
        interest_rate=Decimal("0.025"),
        amount=amount,
        period_start=today,
        period_end=today + timedelta(days=364),
        created_by=user,
        interest_accrued_until=today,
    )


def _pledge(facility: LoanFacility, debtor_id: int, user: User, n: int, tag: str) -> None:
    today = timezone.localdate()
    invoices = Invoice.objects.bulk_create(
        [
            Invoice(
                organization_id=facility.organization_id,
                debtor_id=debtor_id,
                invoice_number=f"{tag}-{i:06d}",
                issue_date=today - timedelta(days=1),
                due_date=today + timedelta(days=30 + i % 90),
                total_amount=100_000 + (i * 7919) % 900_000,
                source="form",
                fingerprint=uuid.uuid4().hex,
                created_by=user,
            )
            for i in range(n)
        ],
        batch_size=2_000,
    )
    Collateral.objects.bulk_create(
        [
            Collateral(
                facility=facility,
                organization_id=facility.organization_id,
                invoice=inv,
                face_amount=inv.total_amount,
                grade="normal",
                method="registration",
                advance_rate=RATES[i % 3],
                perfected_on=today,
            )
            for i, inv in enumerate(invoices)
        ],
        batch_size=2_000,
    )


def _draw(facility: LoanFacility, user: User, amount: int) -> None:
    payout = Payout.objects.create(
        organization_id=facility.organization_id,
        kind=Payout.Kind.LOAN,
        amount=amount,
        requested_for=timezone.localdate(),
        bank_code="0005",
        branch_code="001",
        account_type=1,
        account_number="1234567",
        holder_kana="ベンチ",
    )
    Draw.objects.create(
        facility=facility,
        organization_id=facility.organization_id,
        number=1,
        amount=amount,
        drawn_on=timezone.localdate(),
        payout=payout,
        created_by=user,
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    run = uuid.uuid4().hex[:6]
    user = User.objects.create_user(email=f"bench-{run}@example.jp", password="b" * 20)
    rows: list[Row] = []
    (receivable_count,) = sizes([10_000], [200])
    (loan_count,) = sizes([1_000], [20])

    # --- one client, 10,000 pledged receivables ----------------------------------------------
    org, debtor_id = _client(run, user)
    facility = _facility(org, user, amount=100_000_000)
    _, secs = timed(lambda: _pledge(facility, debtor_id, user, receivable_count, "BB"))
    rows.append(Row("setup: pledge receivables (bulk)", receivable_count, secs, "rcv"))
    _draw(facility, user, 50_000_000)
    base, secs = timed(lambda: services.borrowing_base(facility))
    rows.append(Row("borrowing base (read)", receivable_count, secs, "rcv"))
    _, secs = timed(lambda: services.recompute_base(facility, acting_user=ACTOR))
    rows.append(Row("recompute base (stored, audited)", receivable_count, secs, "rcv"))
    # A collection: one receivable paid, the base recomputed as the service does.
    first = facility.collateral.order_by("pk").first()
    assert first is not None
    today = timezone.localdate()
    _, secs = timed(
        lambda: services.record_repayment(
            facility,
            amount=first.face_amount,
            received_on=today,
            source="designated",
            reference=f"B-{run}",
            collateral=first,
            acting_user=ACTOR,
        )
    )
    rows.append(Row("collection + recompute", receivable_count, secs, "rcv"))
    assert services.borrowing_base(facility).collateral_value < base.collateral_value

    # --- 1,000 loans, five receivables each: the month-end report ----------------------------
    facilities = []
    for i in range(loan_count):
        o, d = _client(f"{run}-{i}", user)
        f = _facility(o, user, amount=10_000_000)
        _pledge(f, d, user, 5, f"R{i}")
        _draw(f, user, 1_000_000)
        facilities.append(f)
    period_end = month_end(today.year, today.month)

    def build_all() -> int:
        return sum(len(services.build_report(f, period_end).pdf) for f in facilities)

    size, secs = timed(build_all)
    rows.append(Row("build report PDF+CSV (no store)", loan_count, secs, "loan"))
    counts, secs = timed(
        lambda: services.run_month_end(today=period_end + timedelta(days=1), acting_user=ACTOR)
    )
    rows.append(Row("month-end job: generate + store all", counts["generated"], secs, "loan"))
    # What the statement reconciliation asks lending for on every run: each pledged
    # receivable and each loan's payoff as an open item (lending/collections.py).
    items, secs = timed(lambda: LoanReceiptBook().open_items(today))
    rows.append(Row("open items for reconciliation", len(items), secs, "item"))
    print_table("Lending: borrowing base and balance reports", rows)
    print(f"  PDF bytes per report: {size // max(1, loan_count):,}")


if __name__ == "__main__":
    main()
