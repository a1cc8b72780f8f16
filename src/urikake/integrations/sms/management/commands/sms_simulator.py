"""``urikake sms_simulator`` — run the local SMS gateway simulator in the foreground.

The token comes from settings (``SMS_GATEWAY_TOKEN``), so the simulator and the web app always
agree; the default host and port come from ``SMS_GATEWAY_URL``. Development only: this app is
not installed in production.
"""

from __future__ import annotations

import urllib.parse
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.integrations.simulator_command import refuse_in_production, serve
from urikake.integrations.sms import simulator


class Command(BaseCommand):
    help = "SMS配信シミュレーターを起動 (local SMS gateway simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        simulator.add_arguments(parser)
        url = urllib.parse.urlsplit(settings.SMS_GATEWAY_URL)
        parser.set_defaults(host=url.hostname or "127.0.0.1", port=url.port or 8770)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("SMS gateway")
        if not settings.SMS_GATEWAY_TOKEN:
            raise CommandError("SMS_GATEWAY_TOKEN must be set")
        serve(
            lambda: simulator.run(
                host=options["host"],
                port=options["port"],
                token=settings.SMS_GATEWAY_TOKEN,
                write=self.stdout.write,
            ),
            host=options["host"],
            port=options["port"],
        )
