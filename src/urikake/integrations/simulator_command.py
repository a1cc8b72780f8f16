"""What every ``<name>_simulator`` management command does around its simulator."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.management.base import CommandError


def refuse_in_production(what: str) -> None:
    if settings.PRODUCTION:
        raise CommandError(f"the {what} simulator never runs in production")


def serve(run: Callable[[], None], *, host: str, port: int) -> None:
    """Run a simulator in the foreground; a port it cannot listen on is a clear error."""
    try:
        run()
    except OSError as exc:  # typically: the port is already in use
        raise CommandError(
            f"シミュレーターを起動できません / cannot listen on {host}:{port}: {exc}"
        ) from exc
