"""``urikake connections probe NAME | run-operations | export --out FILE | import FILE --as EMAIL``.

``run-operations`` is the periodic task (run it daily from cron or the worker's schedule):
expiry, renewal due, 60/30/7-day alerts for approvals and certificates, annual review
reminders.
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from urikake.connections import config, services
from urikake.connections.probe import probe
from urikake.domain.errors import DomainError
from urikake.files import atomic_text


class Command(BaseCommand):
    help = "接続許可の台帳: 疎通チェック、定期処理、設定ファイルの出力・取込"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        p = sub.add_parser("probe", help="run the 疎通 check through the gate")
        p.add_argument("name")
        sub.add_parser("run-operations", help="expiry, renewals, alerts, review reminders")
        e = sub.add_parser("export", help="write the register as YAML")
        e.add_argument("--out", required=True)
        i = sub.add_parser("import", help="apply a YAML file (all or nothing)")
        i.add_argument("file")
        i.add_argument(
            "--as", dest="acting_email", required=True, help="the importing staff member"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "probe":
            result = probe(options["name"])
            for check, ok, detail in result.lines:
                mark = "OK " if ok else "NG "
                self.stdout.write(f"{mark} {check}: {detail}")
            if not result.passed:
                raise CommandError(f"疎通チェック不合格: {options['name']}")
            self.stdout.write(self.style.SUCCESS(f"疎通チェック合格: {options['name']}"))
        elif command == "run-operations":
            report = services.run_operations()
            self.stdout.write(
                f"expired: {len(report.expired)}, renewal due: {len(report.renewal_due)}, "
                f"alerts: {len(report.alerts)}"
            )
            for line in report.expired + report.renewal_due + report.alerts:
                self.stdout.write(f"  {line}")
        elif command == "export":
            with atomic_text(options["out"]) as fh:
                fh.write(config.export())
            self.stdout.write(self.style.SUCCESS(f"wrote {options['out']}"))
        else:
            user = get_user_model().objects.filter(email__iexact=options["acting_email"]).first()
            if user is None or not user.staff_role:
                raise CommandError("--as にはスタッフのメールアドレスを指定してください")
            try:
                changes = config.import_yaml(
                    Path(options["file"]).read_text("utf-8"), acting_user=user
                )
            except DomainError as exc:
                raise CommandError(
                    f"取り込みませんでした（何も変更していません）: {exc.message}"
                ) from exc
            for kind, items in changes.items():
                self.stdout.write(f"{kind}: {', '.join(items) or '-'}")
