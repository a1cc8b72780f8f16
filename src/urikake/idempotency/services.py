"""Idempotency keys for money-moving API calls (``Idempotency-Key`` header).

Shared by every app whose API moves money or creates deals (receivables, treasury, …).

The key's row is inserted in the same transaction as the call's effect. Two requests with one
key: the second blocks on the unique index until the first commits, then reads its stored
answer — one effect, the same response twice. A call that fails (DomainError) rolls back with
its key, so a corrected retry with the same key runs again. The same key with a different body
is refused (``idempotency.mismatch``), as Stripe and the IETF draft do.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from urikake.audit.actors import Person
from urikake.domain.errors import DomainError
from urikake.idempotency.models import IdempotentRequest

MAX_KEY_LENGTH = 255


def run_idempotent(
    *,
    user: Person,
    scope: str,
    key: str | None,
    body: Any,
    call: Callable[[], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any]]:
    """Run ``call`` once per (user, scope, key); return its (status, JSON body)."""
    if not key:
        raise DomainError(
            "idempotency.key_required",
            "お金が動く操作には Idempotency-Key ヘッダーが必要です。",
            field="Idempotency-Key",
        )
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            "idempotency.key_too_long",
            f"Idempotency-Key は{MAX_KEY_LENGTH}文字以内にしてください。",
            field="Idempotency-Key",
        )
    digest = hashlib.sha256(
        json.dumps([scope, body], sort_keys=True, default=str).encode()
    ).hexdigest()
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = IdempotentRequest.objects.create(
                    user_id=user.pk,
                    scope=scope,
                    key=key,
                    request_digest=digest,
                    status_code=0,
                    response={},
                )
        except IntegrityError:
            stored = IdempotentRequest.objects.get(user_id=user.pk, scope=scope, key=key)
            if stored.request_digest != digest:
                raise DomainError(
                    "idempotency.mismatch",
                    "同じ Idempotency-Key で異なる内容の操作が送信されました。",
                    field="Idempotency-Key",
                ) from None
            return stored.status_code, stored.response
        status, response = call()
        row.status_code = status
        row.response = response
        row.save(update_fields=["status_code", "response"])
    return status, response
