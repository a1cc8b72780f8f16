"""Inbound calls (webhooks) checked against their connection: approved for this environment,
within validity, not suspended, and from an approved source address.

The source address is ``REMOTE_ADDR`` unless that is one of ``CONNECTION_TRUSTED_PROXIES``
(CIDRs of our own reverse proxies), in which case it is the right-most ``X-Forwarded-For`` hop
that is not a trusted proxy (:func:`urikake.domain.connections.client_ip`): a client can write
anything into that header, so only what our proxies appended is believed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from urikake.domain.connections import client_ip
from urikake.integrations import http


def source_ip(request: HttpRequest) -> str:
    return client_ip(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        getattr(settings, "CONNECTION_TRUSTED_PROXIES", ()),
    )


def refused(request: HttpRequest, name: str) -> JsonResponse | None:
    """None when the call may proceed; otherwise the 403 answer (already recorded, audited)."""
    refusals = http.current_gate().check_inbound(name, source_ip=source_ip(request))
    if not refusals:
        return None
    message = (
        f"接続「{name}」は受け付けられません: " + "。".join(r.message for r in refusals) + "。"
    )
    return JsonResponse(
        {
            "error": {
                "code": "connection_not_approved",
                "message": message,
                "conditions": [r.code for r in refusals],
            }
        },
        status=403,
    )
