"""The eKYC vendor interface and its HTTP implementation.

Urikake talks to an eKYC vendor through :class:`EkycVendor` only: start a check with the
applicant's name, birth date and identity document, then wait for the vendor to call our
webhook with the result (``urikake.kyc.services.handle_webhook``). :meth:`EkycVendor.get_check`
lets an operator (or a repair job) ask for a check's state directly.

:class:`HttpEkycVendor` speaks the protocol in ``docs/ekyc.md``; the local simulator
(:mod:`urikake.integrations.ekyc.simulator`) speaks the same protocol, so development and tests
exercise this exact code. To plug in a real vendor whose API differs, write another class with
the two methods and return it from :func:`vendor_from_settings`.

HTTP goes through the shared client (:mod:`urikake.integrations.http`).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from urikake.integrations import connection_names
from urikake.integrations.http import (
    ConnectionNotApproved,
    Failure,
    HttpFailure,
    JsonClient,
    quote,
)

# Statuses a vendor reports for one check (Urikake's own statuses add not_started/expired).
VENDOR_STATUSES = frozenset({"pending", "verified", "rejected"})


@dataclass(frozen=True)
class VendorCheck:
    check_id: str
    status: str  # one of VENDOR_STATUSES
    reason: str = ""


class EkycVendorError(Exception):
    """The vendor could not be reached or refused the call.

    ``message`` is Japanese and safe to show to the applicant; ``detail`` is for logs and
    staff (no personal data: it never includes the request body).
    """

    def __init__(self, message: str, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


class EkycVendor(Protocol):
    def start_check(
        self,
        *,
        reference: str,
        callback_url: str,
        full_name: str,
        birth_date: date,
        document: bytes,
        document_mime: str,
    ) -> VendorCheck: ...

    def get_check(self, check_id: str) -> VendorCheck: ...


_UNREACHABLE = "本人確認サービスに接続できませんでした。時間をおいてもう一度お試しください。"
_REFUSED = "本人確認サービスが申請を受け付けませんでした。時間をおいてもう一度お試しください。"
_BAD_ANSWER = "本人確認サービスから予期しない応答がありました。時間をおいてもう一度お試しください。"


class HttpEkycVendor:
    """The vendor's REST API: JSON bodies, ``Authorization: Bearer <api key>``."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10) -> None:
        self.client = JsonClient(
            base_url,
            api_key,
            connection=connection_names.EKYC_VENDOR,
            url_setting="EKYC_VENDOR_URL",
            credential_label="eKYC API key",
            user_agent="urikake-ekyc/1",
            timeout=timeout,
        )

    # --- the interface ---------------------------------------------------------------------

    def start_check(
        self,
        *,
        reference: str,
        callback_url: str,
        full_name: str,
        birth_date: date,
        document: bytes,
        document_mime: str,
    ) -> VendorCheck:
        payload = {
            "reference": reference,
            "callback_url": callback_url,
            "full_name": full_name,
            "birth_date": birth_date.isoformat(),
            "document_base64": base64.b64encode(document).decode("ascii"),
            "document_mime": document_mime,
        }
        # The reference doubles as idempotency key: retrying after a timeout returns the check
        # the vendor may already have created instead of starting a second one.
        answer = self._request(
            "POST", "/v1/checks", payload, extra_headers={"Idempotency-Key": reference}
        )
        return self._check_from(answer)

    def get_check(self, check_id: str) -> VendorCheck:
        return self._check_from(self._request("GET", f"/v1/checks/{quote(check_id)}"))

    # --- plumbing --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            return self.client.request(method, path, payload, headers=extra_headers)
        except ConnectionNotApproved as exc:  # the connection-approval gate: nothing was sent
            raise EkycVendorError(exc.message, detail=exc.detail) from exc
        except HttpFailure as exc:
            message = {
                Failure.UNREACHABLE: _UNREACHABLE,
                Failure.REFUSED: _REFUSED,
                Failure.BAD_ANSWER: _BAD_ANSWER,
            }[exc.kind]
            raise EkycVendorError(message, detail=exc.detail, status=exc.status) from exc

    @staticmethod
    def _check_from(answer: dict[str, Any]) -> VendorCheck:
        check_id = answer.get("check_id")
        status = answer.get("status")
        reason = answer.get("reason") or ""
        if (
            not isinstance(check_id, str)
            or not check_id
            or len(check_id) > 100
            or status not in VENDOR_STATUSES
            or not isinstance(reason, str)
        ):
            raise EkycVendorError(_BAD_ANSWER, detail="check_id/status missing or invalid")
        return VendorCheck(check_id=check_id, status=status, reason=reason)


def vendor_from_settings() -> EkycVendor:
    """The configured vendor (``EKYC_VENDOR_URL``, ``EKYC_API_KEY``)."""
    from django.conf import settings

    return HttpEkycVendor(settings.EKYC_VENDOR_URL, settings.EKYC_API_KEY)
