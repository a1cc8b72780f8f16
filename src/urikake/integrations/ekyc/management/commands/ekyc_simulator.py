"""``urikake ekyc_simulator`` — run the local eKYC vendor simulator in the foreground.

The API key and webhook secret come from settings (``EKYC_API_KEY``,
``EKYC_WEBHOOK_SECRET``), so the simulator and the web app always agree; the default host and
port come from ``EKYC_VENDOR_URL``. Development only: this app is not installed in production.
"""

from __future__ import annotations

import urllib.parse
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.integrations.ekyc import simulator
from urikake.integrations.simulator_command import refuse_in_production, serve


class Command(BaseCommand):
    help = "eKYC ベンダー・シミュレーターを起動 (local eKYC vendor simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        simulator.add_arguments(parser)
        vendor = urllib.parse.urlsplit(settings.EKYC_VENDOR_URL)
        parser.set_defaults(host=vendor.hostname or "127.0.0.1", port=vendor.port or 8765)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("eKYC")
        if not settings.EKYC_API_KEY or not settings.EKYC_WEBHOOK_SECRET:
            raise CommandError("EKYC_API_KEY and EKYC_WEBHOOK_SECRET must be set")
        serve(
            lambda: simulator.run(
                host=options["host"],
                port=options["port"],
                api_key=settings.EKYC_API_KEY,
                webhook_secret=settings.EKYC_WEBHOOK_SECRET,
                auto_complete_after=options["auto_complete_after"],
                write=self.stdout.write,
            ),
            host=options["host"],
            port=options["port"],
        )
