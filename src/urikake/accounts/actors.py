"""From an :data:`~urikake.audit.actors.Actor` to the user it is, if it is one."""

from __future__ import annotations

from urikake.accounts.models import User
from urikake.audit.actors import Actor


def user_or_none(actor: Actor) -> User | None:
    """The saved user acting, or None for ``"system:…"``/``"cli:…"`` and anonymous actors
    (for ``created_by``-style columns, which name people only)."""
    return actor if isinstance(actor, User) and actor.pk is not None else None
