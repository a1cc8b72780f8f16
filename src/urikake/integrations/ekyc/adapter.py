"""The eKYC vendor interface and its HTTP implementation.

Urikake talks to an eKYC vendor through :class:`EkycVendor` only: start a check with the
applicant's name, birth date and identity document, then wait for the vendor to call our
webhook with the result (``urikake.kyc.services.handle_webhook``). :meth:`EkycVendor.get_check`
lets an operator (or a repair job) ask for a check's state directly.

:class:`HttpEkycVendor` speaks the protocol in ``docs/ekyc.md``; the local simulator
(:mod:`urikake.integrations.ekyc.simulator`) speaks the same protocol, so development and tests
exercise this exact code. To plug in a real vendor whose API differs, write another class with
the two methods and return it from :func:`vendor_from_settings`.

Standard library HTTP only (``urllib.request``): no client library to pin or audit.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

# Statuses a vendor reports for one check (Urikake's own statuses add not_started/expired).
VENDOR_STATUSES = frozenset({"pending", "verified", "rejected"})
# Never read more than this from a vendor response: a check is a few hundred bytes of JSON.
_MAX_RESPONSE_BYTES = 1024 * 1024


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
        parsed = urllib.parse.urlsplit(base_url)
        # urlopen would also follow file:// or ftp:// URLs; a vendor URL is only ever HTTP(S).
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValueError(f"EKYC_VENDOR_URL must be an http(s) URL, got {base_url!r}")
        if not api_key:
            raise ValueError("the eKYC API key is empty")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

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
        quoted = urllib.parse.quote(check_id, safe="")
        return self._check_from(self._request("GET", f"/v1/checks/{quoted}"))

    # --- plumbing --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": "urikake-ekyc/1",
            **(extra_headers or {}),
        }
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310 — scheme checked in __init__
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(_MAX_RESPONSE_BYTES + 1)
                status = response.status
        except urllib.error.HTTPError as exc:
            code = _error_code(exc)
            exc.close()
            raise EkycVendorError(
                _REFUSED, detail=f"{method} {path}: HTTP {exc.code} {code}".strip(), status=exc.code
            ) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EkycVendorError(_UNREACHABLE, detail=f"{method} {path}: {reason}") from exc
        if len(raw) > _MAX_RESPONSE_BYTES:
            raise EkycVendorError(_BAD_ANSWER, detail=f"{method} {path}: response too large")
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise EkycVendorError(
                _BAD_ANSWER, detail=f"{method} {path}: HTTP {status}, not JSON"
            ) from exc
        if not isinstance(answer, dict):
            raise EkycVendorError(_BAD_ANSWER, detail=f"{method} {path}: not a JSON object")
        return answer

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


def _error_code(exc: urllib.error.HTTPError) -> str:
    """The vendor's machine-readable error code, if its error body has one (for logs)."""
    try:
        body = json.loads(exc.read(64 * 1024))
        code = body["error"]["code"]
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    return code if isinstance(code, str) else ""


def vendor_from_settings() -> EkycVendor:
    """The configured vendor (``EKYC_VENDOR_URL``, ``EKYC_API_KEY``)."""
    from django.conf import settings

    return HttpEkycVendor(settings.EKYC_VENDOR_URL, settings.EKYC_API_KEY)
