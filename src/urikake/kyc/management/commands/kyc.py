"""``urikake kyc expire|rotate-document-keys`` — eKYC housekeeping (run ``expire`` from cron)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from urikake.kyc import services


class Command(BaseCommand):
    help = "本人確認（eKYC）の定期処理 (expire verifications, re-encrypt documents)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("expire", help="mark verifications older than their validity as expired")
        sub.add_parser(
            "rotate-document-keys",
            help="re-encrypt stored identity documents with the first FIELD_ENCRYPTION_KEYS key",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "expire":
            count = services.expire_kyc_checks(acting_user="cli:kyc")
            self.stdout.write(self.style.SUCCESS(f"{count} 件の本人確認を期限切れにしました"))
        else:
            count = services.rotate_document_keys(acting_user="cli:kyc")
            self.stdout.write(self.style.SUCCESS(f"{count} 件の書類を再暗号化しました"))
