"""``urikake antisocial_simulator`` — run the local anti-social-forces screening simulator.

The token comes from settings (``ANTISOCIAL_SCREENING_TOKEN``); the default host and port
from ``ANTISOCIAL_SCREENING_URL``. Development only: this app is not installed in production.
"""

from __future__ import annotations

import urllib.parse
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.integrations.antisocial import simulator
from urikake.integrations.simulator_command import refuse_in_production, serve


class Command(BaseCommand):
    help = "反社チェック・シミュレーターを起動 (local anti-social-forces screening simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        simulator.add_arguments(parser, port=8768)
        url = urllib.parse.urlsplit(settings.ANTISOCIAL_SCREENING_URL)
        parser.set_defaults(host=url.hostname or "127.0.0.1", port=url.port or 8768)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("anti-social-forces screening")
        if not settings.ANTISOCIAL_SCREENING_TOKEN:
            raise CommandError("ANTISOCIAL_SCREENING_TOKEN must be set")
        serve(
            lambda: simulator.run(
                simulator.AntisocialSimulator(
                    options["host"], options["port"], settings.ANTISOCIAL_SCREENING_TOKEN
                ),
                title=simulator.TITLE,
                write=self.stdout.write,
            ),
            host=options["host"],
            port=options["port"],
        )
