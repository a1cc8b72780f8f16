"""Daily run for receivables-backed loans (run from cron): month-end balance reports for
every active loan, reminders before the deadline, overdue reports counted."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urikake.lending.services import run_month_end


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


class Command(BaseCommand):
    help = (
        "融資の残高報告書を作成し、提出期限前の催促メールを送ります（1日1回）"
        " / balance reports, reminders and overdue count for loans (idempotent per day)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="基準日 (YYYY-MM-DD)。省略時は今日")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = run_month_end(today=options["date"], acting_user="cli:lending_month_end")
        self.stdout.write(
            f"作成 {counts['generated']}件 / 催促 {counts['reminded']}件 / "
            f"期限超過 {counts['overdue']}件"
        )
