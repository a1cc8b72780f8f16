"""The JSON API side of :func:`urikake.idempotency.services.run_idempotent`.

A staff step that moves money (pay a guarantee claim, draw a loan, record a repayment …) has
one shape: the ``Idempotency-Key`` header is required, the first call runs the step and stores
its answer, a retry with the same key and body gets that answer back without a second effect,
and the same key with another body is refused (``idempotency.mismatch``). :func:`money_step`
is that shape, so an endpoint only says what the step is and how its result reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from ninja import Schema, Status

from urikake.idempotency.services import run_idempotent


def _stored(body: dict[str, Any]) -> dict[str, Any]:
    """The answer as it is stored and replayed: plain JSON (dates as ISO text, Decimals as
    exact strings), so the first answer and a replay read the same."""
    plain: dict[str, Any] = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    return plain


def money_step(
    request: HttpRequest,
    *,
    scope: str,
    key: str | None,
    payload: Schema,
    step: Callable[[], dict[str, Any]],
) -> Status[Any]:
    """Run ``step`` once per (staff user, ``scope``, ``key``) and answer 200 with its result.

    ``scope`` names the operation and its object (``loan_draw:12``): one key may be reused
    for another object. The request body ``payload`` is what a retry must repeat. A
    :class:`~urikake.domain.errors.DomainError` from the step rolls back with the key, so a
    corrected retry runs again.
    """
    status, body = run_idempotent(
        user=request.user,
        scope=scope,
        key=key,
        body=payload.dict(),
        call=lambda: (200, _stored(step())),
    )
    return Status(status, body)
