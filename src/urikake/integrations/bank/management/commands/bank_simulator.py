"""``urikake bank_simulator`` — run the local bank API simulator in the foreground.

The token comes from settings (``BANK_API_TOKEN``), so the simulator and the web app always
agree; the default host and port come from ``BANK_API_URL``. The ``bank_simulator`` app is
installed in development only; the simulator itself is :mod:`urikake.integrations.bank.simulator`.
"""

from __future__ import annotations

import urllib.parse
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.integrations.bank import simulator
from urikake.integrations.bank.adapter import DEFAULT_BANK_API_URL, DEV_BANK_API_TOKEN
from urikake.integrations.simulator_command import refuse_in_production, serve


class Command(BaseCommand):
    help = "銀行API シミュレーターを起動 (local bank API simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        simulator.add_arguments(parser)
        bank = urllib.parse.urlsplit(getattr(settings, "BANK_API_URL", DEFAULT_BANK_API_URL))
        parser.set_defaults(host=bank.hostname or "127.0.0.1", port=bank.port or 8766)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("bank API")
        token = getattr(settings, "BANK_API_TOKEN", DEV_BANK_API_TOKEN)
        if not token:
            raise CommandError("BANK_API_TOKEN must be set")
        serve(
            lambda: simulator.run(
                host=options["host"], port=options["port"], token=token, write=self.stdout.write
            ),
            host=options["host"],
            port=options["port"],
        )
