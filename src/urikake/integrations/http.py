"""The one HTTP client for JSON APIs of external connections (bank API, eKYC vendor, …).

Standard library only (``urllib.request``): no client library to pin or audit. Each adapter
builds a :class:`JsonClient` for its base URL and credential and turns :class:`HttpFailure`
into its own error with a Japanese message for people; the failure's ``detail`` is for logs
and staff and never includes a request body.

What every call gets: only http(s) URLs (urlopen would also follow ``file://``), a bearer
token, a timeout, a cap on the response size, and a JSON object as the only good answer.
"""

from __future__ import annotations

import enum
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

# Never read more than this from an answer unless the adapter says otherwise.
MAX_RESPONSE_BYTES = 1024 * 1024


class Failure(enum.Enum):
    UNREACHABLE = "unreachable"  # no connection, a timeout, a reset
    REFUSED = "refused"  # an HTTP error status (see ``status`` and ``code``)
    BAD_ANSWER = "bad_answer"  # too large, not JSON, not a JSON object


class HttpFailure(Exception):
    def __init__(
        self, kind: Failure, detail: str, *, status: int | None = None, code: str = ""
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.status = status
        self.code = code  # the service's machine-readable error code, if its body has one


def require_http_url(url: str, *, setting: str) -> str:
    """``url`` without a trailing slash; ValueError unless it is an http(s) URL."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ValueError(f"{setting} must be an http(s) URL, got {url!r}")
    return url.rstrip("/")


class JsonClient:
    """``Authorization: Bearer <token>``, JSON in and out."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        connection: str,
        url_setting: str,
        credential_label: str,
        user_agent: str,
        timeout: float,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = require_http_url(base_url, setting=url_setting)
        if not token:
            raise ValueError(f"the {credential_label} is empty")
        self.token = token
        self.connection = connection  # its name in the register (integrations.connection_names)
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes

    def request(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON object the service answers to ``method path``; HttpFailure otherwise."""
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = None if payload is None else json.dumps(payload).encode("utf-8")
        all_headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "User-Agent": self.user_agent,
            **(headers or {}),
        }
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        where = f"{method} {path}"
        status, _content_type, raw = _send(
            method, url, data, all_headers, where, self.timeout, self.max_response_bytes
        )
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise HttpFailure(Failure.BAD_ANSWER, f"{where}: HTTP {status}, not JSON") from exc
        if not isinstance(answer, dict):
            raise HttpFailure(Failure.BAD_ANSWER, f"{where}: not a JSON object")
        return answer


def post_bytes(
    url: str,
    data: bytes,
    *,
    connection: str,
    content_type: str,
    user_agent: str,
    timeout: float,
    url_setting: str,
    max_response_bytes: int = MAX_RESPONSE_BYTES,
) -> tuple[str, bytes]:
    """POST a binary body (e.g. an RFC 3161 timestamp query); (Content-Type, body) of the
    answer, or HttpFailure. Same URL rule, timeout and size cap as :class:`JsonClient`."""
    target = require_http_url(url, setting=url_setting)
    headers = {"Content-Type": content_type, "User-Agent": user_agent}
    _status, answer_type, raw = _send(
        "POST", target, data, headers, f"POST {url_setting}", timeout, max_response_bytes
    )
    return answer_type, raw


def _send(
    method: str,
    url: str,
    data: bytes | None,
    headers: dict[str, str],
    where: str,
    timeout: float,
    max_bytes: int,
) -> tuple[int, str, bytes]:
    """(status, Content-Type, body) of one exchange; HttpFailure for what went wrong."""
    request = urllib.request.Request(  # noqa: S310 — callers pass require_http_url's URLs
        url, data=data, headers=headers, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read(max_bytes + 1)
            status = response.status
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        code = _error_code(exc)
        exc.close()
        raise HttpFailure(
            Failure.REFUSED, f"{where}: HTTP {exc.code} {code}".strip(), status=exc.code, code=code
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise HttpFailure(Failure.UNREACHABLE, f"{where}: {reason}") from exc
    if len(raw) > max_bytes:
        raise HttpFailure(Failure.BAD_ANSWER, f"{where}: response too large")
    return status, content_type, raw


def quote(segment: str) -> str:
    """One path segment, every reserved character escaped."""
    return urllib.parse.quote(segment, safe="")


def _error_code(exc: urllib.error.HTTPError) -> str:
    """The service's machine-readable error code (``{"error": {"code": …}}``), for logs."""
    try:
        body = json.loads(exc.read(64 * 1024))
        code = body["error"]["code"]
    except (ValueError, KeyError, TypeError, OSError):
        return ""
    return code[:100] if isinstance(code, str) else ""
