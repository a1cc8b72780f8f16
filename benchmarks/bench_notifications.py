"""Notifications: telling organisations about an event (centre + rendered mail + queued
delivery), the idempotent repeat, and the notification centre's reads.

Runs against a throw-away SQLite database in a temporary directory, or against
``$BENCH_DATABASE_URL`` (e.g. a scratch PostgreSQL database) when set.

    .venv/bin/python benchmarks/bench_notifications.py   # 2,000 organisations × 2 members
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_notifications.py
"""

from __future__ import annotations

import os
import sys
import tempfile
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

from urikake.accounts.models import User  # noqa: E402
from urikake.applicants.models import Membership, Organization  # noqa: E402
from urikake.notifications import services  # noqa: E402
from urikake.notifications.models import Notification  # noqa: E402


def _organisations(n: int) -> list[Organization]:
    orgs = []
    with transaction.atomic():
        for i in range(n):
            org = Organization.objects.create(kind="corporation", name=f"株式会社ベンチ{i}")
            for role in ("owner", "member"):
                user = User.objects.create_user(email=f"{role}-{i}@bench.example")
                Membership.objects.create(user=user, organization=org, role=role)
            orgs.append(org)
    return orgs


def main() -> None:
    call_command("migrate", verbosity=0)
    rows: list[Row] = []
    for n in sizes([2_000], [50]):
        orgs = _organisations(n)

        def tell(orgs: list[Organization] = orgs) -> int:
            told = 0
            for org in orgs:
                with transaction.atomic():
                    told += len(
                        services.notify(
                            "offer_made",
                            organization=org,
                            subject=f"application:{org.pk}",
                            context={
                                "application": org.pk,
                                "net_payout_yen": 1_045_000,
                                "expires_date": "2026-12-10",
                            },
                            url=f"/my/applications/{org.pk}/",
                        )
                    )
            return told

        told, secs = timed(tell)
        rows.append(Row("notify (2 members: centre + mail)", told, secs, "ntf"))
        again, secs = timed(tell)
        assert again == 0
        rows.append(Row("notify again (refused as duplicate)", 2 * n, secs, "ntf"))

    for n in sizes([20_000], [500]):
        user = User.objects.create_user(email="reader@bench.example")
        with transaction.atomic():
            Notification.objects.bulk_create(
                Notification(
                    event="application_received",
                    subject=f"application:{i}",
                    recipient=user,
                    context={"application": i, "amount_yen": 1000},
                )
                for i in range(n)
            )
        reads = 200

        def read_pages() -> None:
            for _ in range(reads):
                list(services.inbox(user)[:20])
                services.unread_count(user)

        _, secs = timed(read_pages)
        rows.append(Row(f"centre page + count ({n:,} entries)", reads, secs, "page"))
    print_table(f"Notifications ({os.environ['DATABASE_URL'].split(':')[0]})", rows)


if __name__ == "__main__":
    main()
