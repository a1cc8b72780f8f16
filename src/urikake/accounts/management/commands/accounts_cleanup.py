"""Delete login-security rows that no longer mean anything (run daily, e.g. from cron)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from urikake.accounts.devices import COOKIE_MAX_AGE
from urikake.accounts.lockout import Policy
from urikake.accounts.models import KnownDevice, LoginThrottle


class Command(BaseCommand):
    help = "古いログイン試行記録と端末記録を削除します / purge stale throttle and device rows"

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        policy = Policy.current()
        # A streak this old is forgotten at the next attempt anyway (lockout._streak_expired).
        stale = now - dt.timedelta(seconds=policy.reset_after_seconds)
        throttles, _ = (
            LoginThrottle.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
            .filter(Q(last_failure_at__isnull=True) | Q(last_failure_at__lt=stale))
            .delete()
        )
        # The device cookie has expired in the browser by now: the row can never match again.
        devices, _ = KnownDevice.objects.filter(
            last_seen_at__lt=now - dt.timedelta(seconds=COOKIE_MAX_AGE)
        ).delete()
        self.stdout.write(f"login throttles: {throttles}, known devices: {devices}")
