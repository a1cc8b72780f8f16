"""``urikake ledger check|trial-balance`` — check the books and print the trial balance."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from urikake.ledger import services


class Command(BaseCommand):
    help = "元帳の検査と残高試算表 (check every entry balances; print the trial balance)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("check", help="exit 1 if an entry is unbalanced or the books do not balance")
        tb = sub.add_parser("trial-balance", help="print the trial balance")
        tb.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (inclusive)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "check":
            self._check()
        else:
            self._trial_balance(options["as_of"])

    def _check(self) -> None:
        bad = services.unbalanced_entries()
        report = services.trial_balance()
        if bad or not report.balanced:
            shown = ", ".join(bad[:20]) + (" …" if len(bad) > 20 else "")
            raise CommandError(
                f"元帳に不整合があります / ledger BROKEN: {len(bad)} unbalanced entries"
                f"{': ' + shown if bad else ''}; debits {report.total_debits:,} vs credits "
                f"{report.total_credits:,}"
            )
        self.stdout.write(
            f"OK: every entry balances; debits = credits = {report.total_debits:,} yen"
        )

    def _trial_balance(self, as_of: date | None) -> None:
        report = services.trial_balance(as_of)
        for row in report.rows:
            self.stdout.write(
                f"{row.account:<40} {row.debit:>16,} {row.credit:>16,}  {row.name_ja}"
            )
        self.stdout.write(
            f"{'合計':<39} {report.total_debits:>16,} {report.total_credits:>16,}  "
            + ("貸借一致" if report.balanced else "貸借不一致")
        )
