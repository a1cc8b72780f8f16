"""``urikake notifications --retry`` — send again every SMS whose retry time has come.

Mail has ``urikake mail --retry``; SMS deliveries are retried by the worker where the queue
can wait, and by this command (safe to run from cron) where it cannot.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count

from urikake.notifications import services
from urikake.notifications.models import Delivery


class Command(BaseCommand):
    help = "通知（SMS）の再送と状況 (retry due SMS deliveries; show counts)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--retry", action="store_true", help="再送時刻を過ぎたSMSを再送")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry"]:
            count = services.retry_due_sms()
            self.stdout.write(f"SMS 再送: {count}件")
        rows = (
            Delivery.objects.values("channel", "status")
            .annotate(n=Count("pk"))
            .order_by("channel", "status")
        )
        for row in rows:
            self.stdout.write(f"{row['channel']} {row['status']}: {row['n']}")
