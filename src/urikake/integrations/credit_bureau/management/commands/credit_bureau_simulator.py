"""``urikake credit_bureau_simulator`` — run the local credit bureau simulator.

The token comes from settings (``CREDIT_BUREAU_TOKEN``); the default host and port
from ``CREDIT_BUREAU_URL``. Development only: this app is not installed in production.
"""

from __future__ import annotations

import urllib.parse
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.integrations.credit_bureau import simulator
from urikake.integrations.simulator_command import refuse_in_production, serve


class Command(BaseCommand):
    help = "信用情報機関シミュレーターを起動 (local credit bureau simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        simulator.add_arguments(parser, port=8769)
        url = urllib.parse.urlsplit(settings.CREDIT_BUREAU_URL)
        parser.set_defaults(host=url.hostname or "127.0.0.1", port=url.port or 8769)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("credit bureau")
        if not settings.CREDIT_BUREAU_TOKEN:
            raise CommandError("CREDIT_BUREAU_TOKEN must be set")
        serve(
            lambda: simulator.run(
                simulator.CreditBureauSimulator(
                    options["host"], options["port"], settings.CREDIT_BUREAU_TOKEN
                ),
                title=simulator.TITLE,
                write=self.stdout.write,
            ),
            host=options["host"],
            port=options["port"],
        )
