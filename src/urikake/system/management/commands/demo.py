"""``urikake demo`` — load the demo data (idempotent) and print the demo logins."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from urikake.system.demo import DEMO_LOGINS, PASSWORD, load_demo_data
from urikake.system.demo_treasury import CLIENT_EMAIL


class Command(BaseCommand):
    help = "デモデータを投入します (load demo data; safe to run repeatedly)"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = load_demo_data()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"demo data created: {', '.join(created)}")
        else:
            self.stdout.write("demo data already present")
        self.stdout.write("デモ用ログイン / demo logins:")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role}: {login.email} / {login.password}")
        self.stdout.write(f"  取引中の申込者 (契約・送金・回収のデモ): {CLIENT_EMAIL} / {PASSWORD}")
        self.stdout.write(
            "  (スタッフは初回ログイン時に認証アプリ(TOTP)の登録が必要です /"
            " staff enrol an authenticator app at first login)"
        )
