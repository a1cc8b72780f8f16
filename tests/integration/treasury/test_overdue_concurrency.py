"""Two reminder runs at once (the worker's task and a cron command) mail each step once
(PostgreSQL: real row locks between real transactions)."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from tests.integration.treasury.test_overdue import purchased
from urikake.servicing import overdue
from urikake.servicing.models import Position


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_send_one_reminder(postgresql_only: None, smtp_server: Any) -> None:
    p = purchased("three_party")
    today = p.expected_on + timedelta(days=1)
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            barrier.wait()
            results.append(overdue.send_reminders(today=today, actor=f"system:{name}"))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in ("worker", "cron")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(len(r.reminded) for r in results) == [0, 1]
    owner = p.organization.memberships.get(role="owner").user
    smtp_server.wait_for(owner.email, subject_contains="第1回")
    # (the deal's own notices — received, offer, contract — arrived before)
    assert len([m for m in smtp_server.messages if "第1回" in str(m["Subject"])]) == 1
    p.refresh_from_db()
    assert p.reminders_sent == 1
    assert Position.objects.get(pk=p.pk).last_reminded_on == today
