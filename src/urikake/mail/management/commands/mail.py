"""``urikake mail`` — outgoing mail: counts by status; ``--retry`` sends the due ones again."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from urikake.mail.models import OutboundMail
from urikake.mail.services import retry_due


class Command(BaseCommand):
    help = "送信メールの状況と再送 (outgoing mail: status, retry)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--retry", action="store_true", help="send due mails again now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry"]:
            self.stdout.write(f"再送 / retried: {retry_due()}")
        counts = OutboundMail.objects.values("status").annotate(n=Count("pk")).order_by("status")
        for row in counts:
            self.stdout.write(f"{row['status']}: {row['n']}")
