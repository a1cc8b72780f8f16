"""Who acts: the one type of every ``acting_user=`` / ``actor=`` parameter.

An actor is a person (a saved ``accounts.User``, or Django's ``AnonymousUser`` for someone not
logged in), a component named ``"system:<component>"`` / ``"cli:<command>"``, or None
(anonymous). :func:`urikake.audit.services.actor_label` writes it into the trail.

It lives here, below ``accounts``, because every app down to the ledger and the audit trail
takes one; a protocol (what the trail needs of a person) keeps this layer free of the user
model. Code that needs more than that (a staff role, an e-mail address) takes a ``User``.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias


class Person(Protocol):
    """A user as the audit trail sees one: an identity, logged in or not."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_authenticated(self) -> bool: ...


# "system:<component>" or "cli:<command>": work nobody in particular asked for.
SystemActor: TypeAlias = str

Actor: TypeAlias = Person | SystemActor | None
