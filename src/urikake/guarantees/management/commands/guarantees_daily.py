"""Daily run for guarantee factoring (run from cron): premium earned up to the day for every
guarantee in force, guarantees past their period ended (contingent liability released)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from urikake.guarantees.services import run_daily


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


class Command(BaseCommand):
    help = (
        "保証料の収益計上と保証期間の満了処理を行います（1日1回、再実行しても二重計上しません）"
        " / premium earned and expired guarantees ended (idempotent per day)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=_date, help="基準日 (YYYY-MM-DD)。省略時は今日")

    def handle(self, *args: Any, **options: Any) -> None:
        counts = run_daily(today=options["date"], acting_user="cli:guarantees_daily")
        self.stdout.write(f"収益計上 {counts['earned']:,}円 / 満了 {counts['ended']}件")
