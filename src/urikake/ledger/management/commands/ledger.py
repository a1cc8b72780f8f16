"""``urikake ledger check|trial-balance|fund`` — check the books, print the trial balance, and
book the operator's own money (資本金の払込・期首残高) on its operating account.

    urikake ledger fund --kind capital|opening --amount YEN [--date YYYY-MM-DD]
                        [--description TEXT] [--user EMAIL]

``fund`` calls :func:`urikake.ledger.services.fund_operating_account` (audited); ``--user``
names a staff member with the treasury capability, else the actor is ``cli:ledger``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from urikake.accounts.access import has_capability
from urikake.accounts.roles import Capability
from urikake.domain.errors import DomainError
from urikake.domain.ledger import EquityFunding
from urikake.ledger import services


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


def _yen(value: str) -> int:
    if not value.isdigit() or len(value) > 14:
        raise CommandError(f"金額は円単位の整数で指定してください: {value}")
    return int(value)


class Command(BaseCommand):
    help = "元帳の検査と残高試算表 (check every entry balances; print the trial balance)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("check", help="exit 1 if an entry is unbalanced or the books do not balance")
        tb = sub.add_parser("trial-balance", help="print the trial balance")
        tb.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (inclusive)")
        fund = sub.add_parser("fund", help="資本金の払込・期首残高を運転口座に計上する")
        fund.add_argument("--kind", choices=[k.value for k in EquityFunding], required=True)
        fund.add_argument("--amount", type=_yen, required=True, help="円")
        fund.add_argument("--date", type=_date, help="計上日 (YYYY-MM-DD)。省略時は今日")
        fund.add_argument("--description", default="", help="摘要")
        fund.add_argument("--user", metavar="EMAIL", help="監査証跡に記録する担当者")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "check":
            self._check()
        elif options["subcommand"] == "fund":
            self._fund(options)
        else:
            self._trial_balance(options["as_of"])

    def _fund(self, options: dict[str, Any]) -> None:
        actor: Any = "cli:ledger"
        if options["user"]:
            actor = get_user_model().objects.filter(email__iexact=options["user"]).first()
            if actor is None or not has_capability(actor, Capability.MANAGE_TREASURY):
                raise CommandError(
                    f"{options['user']} は資金管理の権限を持つ担当者ではありません。"
                )
        try:
            row = services.fund_operating_account(
                kind=EquityFunding(options["kind"]),
                amount=options["amount"],
                on=options["date"] or timezone.localdate(),
                description=options["description"],
                acting_user=actor,
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        cash = services.operating_cash_account()
        self.stdout.write(
            f"仕訳 {row.entry_id} を計上しました（{row.description} {options['amount']:,}円）。"
            f"{cash} の残高 {services.balance(cash):,}円"
        )

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
