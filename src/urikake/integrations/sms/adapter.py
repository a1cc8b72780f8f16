"""The SMS gateway interface and its HTTP implementation.

Urikake sends short text messages (notifications, phone-verification codes) through
:class:`SmsGateway` only. :class:`HttpSmsGateway` speaks the protocol below; the local
simulator (:mod:`urikake.integrations.sms.simulator`) speaks the same protocol, so development
and tests exercise this exact code. HTTP goes through the shared client
(:mod:`urikake.integrations.http`) under the ``sms_gateway`` connection name.

Protocol (``Authorization: Bearer <token>``)::

    POST /v1/messages  {"to": "+819012345678", "body": "…", "reference": "…"}
         Idempotency-Key: <reference>
      → 201 {"message_id": "…", "status": "accepted"}   (the same reference → the same message)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from urikake.integrations import connection_names
from urikake.integrations.http import Failure, HttpFailure, JsonClient

DEFAULT_SMS_GATEWAY_URL = "http://127.0.0.1:8770"
DEV_SMS_GATEWAY_TOKEN = "dev-sms-gateway-token"  # noqa: S105 # nosec B105 # development only
MAX_BODY_CHARS = 670  # 10 concatenated UCS-2 segments: longer texts are refused


@dataclass(frozen=True)
class SentSms:
    message_id: str
    status: str


class SmsError(Exception):
    """The gateway could not be reached or refused the message.

    ``message`` is Japanese (safe for staff pages); ``detail`` is for logs (never the text or
    the number). ``retryable`` is False when sending the same message again cannot succeed.
    """

    def __init__(self, message: str, *, detail: str = "", retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.retryable = retryable

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


class SmsGateway(Protocol):
    def send(self, *, to: str, body: str, reference: str) -> SentSms: ...


_UNREACHABLE = "SMS配信サービスに接続できませんでした。"
_REFUSED = "SMS配信サービスが送信を受け付けませんでした。"
_BAD_ANSWER = "SMS配信サービスから予期しない応答がありました。"


class HttpSmsGateway:
    def __init__(self, base_url: str, token: str, timeout: float = 10) -> None:
        self.client = JsonClient(
            base_url,
            token,
            connection=connection_names.SMS_GATEWAY,
            url_setting="SMS_GATEWAY_URL",
            credential_label="SMS gateway token",
            user_agent="urikake-sms/1",
            timeout=timeout,
        )

    def send(self, *, to: str, body: str, reference: str) -> SentSms:
        if not to.startswith("+") or not to[1:].isdigit() or not 8 <= len(to) <= 16:
            raise SmsError(_REFUSED, detail="recipient is not E.164", retryable=False)
        if not body or len(body) > MAX_BODY_CHARS:
            raise SmsError(_REFUSED, detail="body empty or too long", retryable=False)
        payload = {"to": to, "body": body, "reference": reference}
        try:
            answer = self.client.request(
                "POST", "/v1/messages", payload, headers={"Idempotency-Key": reference}
            )
        except HttpFailure as exc:
            message = {
                Failure.UNREACHABLE: _UNREACHABLE,
                Failure.REFUSED: _REFUSED,
                Failure.BAD_ANSWER: _BAD_ANSWER,
            }[exc.kind]
            # 4xx other than 408/429 will fail the same way again.
            status = exc.status or 0
            retryable = not (400 <= status < 500 and status not in (408, 429))
            raise SmsError(message, detail=exc.detail, retryable=retryable) from exc
        message_id = answer.get("message_id")
        status_text = answer.get("status")
        if not isinstance(message_id, str) or not message_id or len(message_id) > 100:
            raise SmsError(_BAD_ANSWER, detail="message_id missing or invalid")
        if not isinstance(status_text, str):
            raise SmsError(_BAD_ANSWER, detail="status missing")
        return SentSms(message_id=message_id, status=status_text)


def gateway_from_settings() -> SmsGateway:
    """The configured gateway (``SMS_GATEWAY_URL``, ``SMS_GATEWAY_TOKEN``)."""
    from django.conf import settings

    return HttpSmsGateway(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN)
