"""Background tasks of the treasury: the daily reminder run for overdue purchased receivables.

Schedule ``send_daily_reminders`` once a day (or run ``urikake treasury_remind`` from cron);
both call :func:`urikake.servicing.overdue.send_reminders`, which is idempotent per day.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django_tasks import task

from urikake.servicing.overdue import send_reminders


@task()
def send_daily_reminders(on: str | None = None) -> dict[str, Any]:
    """Send the reminders due on ``on`` (ISO date; today by default) and escalate."""
    today = date.fromisoformat(on) if on else None
    return send_reminders(today=today, actor="system:treasury_remind").as_dict()
