"""The one HTTP client for JSON APIs of external connections (bank API, eKYC vendor, …).

Standard library only (``urllib.request``): no client library to pin or audit. Each adapter
builds a :class:`JsonClient` for its base URL and credential and turns :class:`HttpFailure`
into its own error with a Japanese message for people; the failure's ``detail`` is for logs
and staff and never includes a request body.

What every call gets: only http(s) URLs (urlopen would also follow ``file://``), a bearer
token, a timeout, a cap on the response size, and a JSON object as the only good answer.

**The gate (接続許可, issue 11).** Before a byte leaves, :func:`current_gate` must admit the
call: the connection registered and approved for this environment, the operation, the
destination host and the credential allowed, within validity, not suspended. For https the
counterpart's certificate is checked against the approval's pinned SHA-256 fingerprints right
after the handshake, before the request is written. The gate is a port: the connections app
registers the real one at ``ConnectionsConfig.ready()`` (integrations import no app); with no
gate registered every call is refused. A refusal is :class:`ConnectionNotApproved` (an
:class:`HttpFailure` of kind ``REFUSED`` with code ``connection_not_approved`` and a Japanese
``message`` naming the connection and the missing conditions).

**Resilience.** Safe calls (GET, or any call with an ``Idempotency-Key``) are retried on
unreachable/429/502/503/504 with exponential backoff and full jitter, honouring
``Retry-After``; a per-connection circuit breaker fails fast after repeated failures; the
counterpart's ``Date`` header is compared with our clock and the skew handed to the gate.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import hashlib
import http.client
import json
import random
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from urikake.domain import connections as rules

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
        self.retry_after: float | None = None  # seconds, from a Retry-After header
        self.skew_seconds: float | None = None  # the counterpart's clock minus ours


class ConnectionNotApproved(HttpFailure):
    """The gate refused the call: nothing was sent. ``message`` is Japanese for people."""

    def __init__(self, connection: str, refusals: list[rules.Refusal]) -> None:
        self.connection = connection
        self.refusals = refusals
        self.message = (
            f"接続「{connection}」は利用できません: "
            + "。".join(r.message for r in refusals)
            + "。"
        )
        super().__init__(
            Failure.REFUSED,
            f"connection {connection} not approved: {', '.join(r.code for r in refusals)}",
            code="connection_not_approved",
        )

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class OutboundCall:
    connection: str
    method: str
    scheme: str  # http | https | smtp
    host: str
    port: int | None
    operation: str  # identifiers removed (rules.operation_of)
    credential_fingerprint: str  # never the credential itself
    probe: bool


class Permit(Protocol):
    """What the gate hands back for one admitted call."""

    def check_certificate(self, fingerprint: str) -> None:
        """Raise ConnectionNotApproved unless the certificate is pinned by the approval."""

    def finish(
        self, *, outcome: str, status: int | None, latency_ms: int, skew_seconds: float | None
    ) -> None:
        """Record the call (time, operation, outcome, latency — no personal data)."""


class Gate(Protocol):
    def admit(self, call: OutboundCall) -> Permit:
        """A permit, or ConnectionNotApproved (recorded and audited by the gate)."""

    def check_inbound(self, name: str, *, source_ip: str) -> list[rules.Refusal]:
        """What an inbound call (a webhook) from ``source_ip`` misses (recorded, audited)."""


_NO_GATE = rules.Refusal("no_gate", "接続許可の確認の仕組み（ゲート）が登録されていません")


class _NoGate:
    def admit(self, call: OutboundCall) -> Permit:
        raise ConnectionNotApproved(call.connection, [_NO_GATE])

    def check_inbound(self, name: str, *, source_ip: str) -> list[rules.Refusal]:
        return [_NO_GATE]


_gate: Gate = _NoGate()
_probing: contextvars.ContextVar[bool] = contextvars.ContextVar("probing", default=False)


def set_gate(gate: Gate | None) -> Gate:
    """Register the gate (``ConnectionsConfig.ready()``); returns the previous one."""
    global _gate
    previous = _gate
    _gate = gate or _NoGate()
    return previous


def current_gate() -> Gate:
    return _gate


@contextlib.contextmanager
def probing() -> Iterator[None]:
    """Calls made inside are 疎通 probes (allowed from the connectivity-test stage on)."""
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)


def is_probing() -> bool:
    return _probing.get()


def admit(connection: str, method: str, url: str, *, credential: str = "") -> Permit:
    """The gate's permit for a call made later, possibly from another thread (pass it as
    ``permit=`` to :func:`post_bytes`); ConnectionNotApproved now otherwise."""
    parts = urllib.parse.urlsplit(url)
    return _gate.admit(
        OutboundCall(
            connection=connection,
            method=method,
            scheme=parts.scheme,
            host=parts.hostname or "",
            port=parts.port,
            operation=rules.operation_of(method, parts.path),
            credential_fingerprint=credential_fingerprint(credential),
            probe=is_probing(),
        )
    )


def credential_fingerprint(secret: str) -> str:
    """A short SHA-256 fingerprint of a credential: what the register and the log keep."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16] if secret else ""


# --- resilience ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    base_delay: float = 0.2  # seconds, the first backoff's ceiling
    max_delay: float = 2.0
    max_retry_after: float = 10.0  # a longer Retry-After fails now instead of waiting
    skew_warning_seconds: float = 120.0


RETRY_POLICY = RetryPolicy()
RETRY_STATUSES = frozenset({429, 502, 503, 504})
sleep = time.sleep  # tests replace it to record the delays instead of waiting
_breakers: dict[str, rules.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker(connection: str, host: str, port: int | None) -> rules.CircuitBreaker:
    with _breakers_lock:
        return _breakers.setdefault(f"{connection}@{host}:{port}", rules.CircuitBreaker())


def reset_breakers() -> None:
    with _breakers_lock:
        _breakers.clear()


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
        status, _content_type, raw = _exchange(
            self.connection,
            method,
            url,
            data,
            all_headers,
            where,
            self.timeout,
            self.max_response_bytes,
            credential=self.token,
            retry="Idempotency-Key" in all_headers,
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
    permit: Permit | None = None,
) -> tuple[str, bytes]:
    """POST a binary body (e.g. an RFC 3161 timestamp query); (Content-Type, body) of the
    answer, or HttpFailure. Same URL rule, timeout and size cap as :class:`JsonClient`."""
    target = require_http_url(url, setting=url_setting)
    headers = {"Content-Type": content_type, "User-Agent": user_agent}
    _status, answer_type, raw = _exchange(
        connection,
        "POST",
        target,
        data,
        headers,
        f"POST {url_setting}",
        timeout,
        max_response_bytes,
        credential="",
        retry=False,
        permit=permit,
    )
    return answer_type, raw


def _exchange(
    connection: str,
    method: str,
    url: str,
    data: bytes | None,
    headers: dict[str, str],
    where: str,
    timeout: float,
    max_bytes: int,
    *,
    credential: str,
    retry: bool,
    permit: Permit | None = None,
) -> tuple[int, str, bytes]:
    """One call through the gate, with retries, the circuit breaker and the call record
    (``permit``: admitted beforehand by :func:`admit`)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    call = OutboundCall(
        connection=connection,
        method=method,
        scheme=parts.scheme,
        host=host,
        port=parts.port,
        operation=rules.operation_of(method, parts.path),
        credential_fingerprint=credential_fingerprint(credential),
        probe=is_probing(),
    )
    if permit is None:
        permit = _gate.admit(call)  # ConnectionNotApproved: nothing sent
    circuit = breaker(connection, host, parts.port)
    safe = retry or method in {"GET", "HEAD"}
    attempt = 0
    while True:
        attempt += 1
        if not circuit.allows(time.monotonic()):
            permit.finish(outcome="circuit_open", status=None, latency_ms=0, skew_seconds=None)
            raise HttpFailure(Failure.UNREACHABLE, f"{where}: circuit open after repeated failures")
        started = time.monotonic()
        try:
            status, content_type, raw, date_header = _send(
                method, url, data, headers, where, timeout, max_bytes, permit
            )
        except ConnectionNotApproved:
            raise  # the certificate check refused: the gate recorded it
        except HttpFailure as exc:
            latency = int((time.monotonic() - started) * 1000)
            transient = exc.kind is Failure.UNREACHABLE or exc.status in RETRY_STATUSES
            if transient:
                circuit.failure(time.monotonic())
            else:
                circuit.success()  # the counterpart answered: it is up
            permit.finish(
                outcome=exc.kind.value,
                status=exc.status,
                latency_ms=latency,
                skew_seconds=exc.skew_seconds,
            )
            delay = _retry_delay(exc, attempt) if safe and transient else None
            if delay is None or attempt >= RETRY_POLICY.attempts:
                raise
            sleep(delay)
            continue
        latency = int((time.monotonic() - started) * 1000)
        circuit.success()
        skew = rules.clock_skew(date_header, datetime.now(UTC))
        permit.finish(outcome="ok", status=status, latency_ms=latency, skew_seconds=skew)
        return status, content_type, raw


def _retry_delay(exc: HttpFailure, attempt: int) -> float | None:
    """How long to wait before the next attempt; None: do not retry."""
    retry_after = exc.retry_after
    if retry_after is not None:
        return retry_after if retry_after <= RETRY_POLICY.max_retry_after else None
    return rules.backoff_delay(
        attempt,
        base=RETRY_POLICY.base_delay,
        cap=RETRY_POLICY.max_delay,
        jitter=random.random(),  # noqa: S311 # nosec B311 # jitter, not a secret
    )


class _PinningHTTPSConnection(http.client.HTTPSConnection):
    """Checks the counterpart's certificate against the approval before sending a byte.

    Trust comes from the pin, not from a CA: an approval pins the exact certificate(s) the
    counterpart presented during review (a self-signed one for a simulator or a private CA)."""

    permit: Permit

    def connect(self) -> None:
        super().connect()
        der = self.sock.getpeercert(binary_form=True) or b""
        self.permit.check_certificate(hashlib.sha256(der).hexdigest())


def _pinning_context() -> ssl.SSLContext:
    """TLS 1.2+ with the default ciphers, no CA or host-name check: trust is the pin, checked
    in connect() before anything is sent (CA checks would refuse a pinned self-signed
    certificate). Built once: loading a CA bundle per call would cost ~100 ms."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


_PINNING_CONTEXT = _pinning_context()


class _PinningHandler(urllib.request.HTTPSHandler):
    def __init__(self, permit: Permit) -> None:
        super().__init__(context=_PINNING_CONTEXT)
        self.permit = permit

    def https_open(self, req: urllib.request.Request) -> Any:
        permit = self.permit

        class Connection(_PinningHTTPSConnection):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.permit = permit

        return self.do_open(Connection, req, context=self._context)  # type: ignore[attr-defined]


def _send(
    method: str,
    url: str,
    data: bytes | None,
    headers: dict[str, str],
    where: str,
    timeout: float,
    max_bytes: int,
    permit: Permit,
) -> tuple[int, str, bytes, str | None]:
    """(status, Content-Type, body, Date) of one exchange; HttpFailure for what went wrong."""
    request = urllib.request.Request(  # noqa: S310 — callers pass require_http_url's URLs
        url, data=data, headers=headers, method=method
    )
    handlers = [_PinningHandler(permit)] if url.startswith("https:") else []
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(request, timeout=timeout) as response:
            raw = response.read(max_bytes + 1)
            status = response.status
            content_type = response.headers.get("Content-Type", "")
            date_header = response.headers.get("Date")
    except urllib.error.HTTPError as exc:
        code = _error_code(exc)
        now = datetime.now(UTC)
        failure = HttpFailure(
            Failure.REFUSED, f"{where}: HTTP {exc.code} {code}".strip(), status=exc.code, code=code
        )
        failure.retry_after = rules.parse_retry_after(exc.headers.get("Retry-After"), now)
        failure.skew_seconds = rules.clock_skew(exc.headers.get("Date"), now)
        exc.close()
        raise failure from exc
    except ConnectionNotApproved:
        raise
    except (urllib.error.URLError, TimeoutError, ConnectionError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ConnectionNotApproved):
            raise reason from exc
        raise HttpFailure(Failure.UNREACHABLE, f"{where}: {reason}") from exc
    if len(raw) > max_bytes:
        raise HttpFailure(Failure.BAD_ANSWER, f"{where}: response too large")
    return status, content_type, raw, date_header


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
