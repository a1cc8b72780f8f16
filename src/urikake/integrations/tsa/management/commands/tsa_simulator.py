"""``urikake tsa_simulator`` — run the local RFC 3161 time-stamping authority (development).

``make run`` starts it and points ``CONTRACT_TSA_URL`` at it, so contract seals are PAdES B-T
in development as in production (where a commercial TSA's URL is configured instead). Its key
and certificates are generated once into ``VAR_DIR``; the simulator itself is
:mod:`urikake.integrations.tsa.simulator`.
"""

from __future__ import annotations

import contextlib
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from urikake.integrations.simulator_command import refuse_in_production
from urikake.integrations.tsa.simulator import TsaSimulator, dev_bundle


class Command(BaseCommand):
    help = "タイムスタンプ局 (RFC 3161) シミュレーターを起動 (local TSA simulator)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8767)

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_in_production("TSA")
        simulator = TsaSimulator(
            options["host"], options["port"], bundle=dev_bundle(Path(settings.VAR_DIR))
        )
        self.stdout.write(f"TSA simulator on {simulator.url} (RFC 3161, POST timestamp-query)")
        with contextlib.suppress(KeyboardInterrupt):
            simulator.serve_forever()
