"""The header's bell: the signed-in user's unread count, computed only when a page uses it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def notification_centre(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from urikake.notifications.services import unread_count

        return unread_count(user)

    return {"notification_unread": SimpleLazyObject(count)}
