"""Daily reminder run for overdue purchased receivables (run from cron, or the task)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urikake.servicing.overdue import send_reminders


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


class Command(BaseCommand):
    help = (
        "期日を過ぎた買取債権の督促メールを送り、エスカレーションします"
        " / send overdue reminders and escalate (idempotent per day)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="基準日 (YYYY-MM-DD)。省略時は今日")
        parser.add_argument(
            "--dry-run", action="store_true", help="送信・記録をせずに対象だけを表示する"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = send_reminders(
            today=options["date"], dry_run=options["dry_run"], actor="cli:treasury_remind"
        )
        self.stdout.write(summary.text())
