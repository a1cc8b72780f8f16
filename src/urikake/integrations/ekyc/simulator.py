"""A local eKYC vendor: the same HTTP protocol as a real one, state in memory, no database.

Run it with ``urikake ekyc_simulator`` (``make run`` does) or, without Django,
``python -m urikake.integrations.ekyc.simulator --port 8765``. Tests start it in a background
thread through :class:`EkycSimulator` (``tests/fixtures/ekyc.py``).

Vendor API (what Urikake calls; ``Authorization: Bearer <api key>`` required)::

    POST /v1/checks          {reference, callback_url, full_name, birth_date,
                              document_base64, document_mime}   → 201 {check_id, status, …}
    GET  /v1/checks/<id>                                        → 200 {check_id, status, …}

Operator endpoints (for tests and demos; no key, so bind to loopback only)::

    GET  /_simulator/                      HTML list of checks with 承認 / 否認 buttons
    GET  /_simulator/checks                JSON list of checks
    POST /_simulator/checks/<id>/complete  {"result": "verified"|"rejected", "reason": "…"}
                                           → signs and POSTs the webhook, reports its status
    POST /_simulator/checks/<id>/resend    delivers the last event again (same event id)
    GET  /healthz

With ``auto_complete_after`` every new check completes by itself after that many seconds:
verified, unless the name contains "却下" or "REJECT" (then rejected with a reason).
The protocol is documented in ``docs/ekyc.md``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import collections
import contextlib
import html
import json
import logging
import os
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from urikake.integrations.ekyc.signing import signed_headers
from urikake.integrations.simulator_base import (
    JsonApiHandler,
    LocalHttpSimulator,
    QuietServer,
    SimulatorError,
    is_loopback,
)

logger = logging.getLogger("urikake.ekyc_simulator")

DEV_API_KEY = "dev-ekyc-api-key"
DEV_WEBHOOK_SECRET = "dev-ekyc-webhook-secret"  # noqa: S105 # nosec B105 # the published development default
ACCEPTED_MIMES = frozenset(
    {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "application/pdf"}
)
REJECT_MARKERS = ("却下", "REJECT")
AUTO_REJECT_REASON = (
    "書類の文字が読み取れません。明るい場所で、書類全体が写るように撮影し直してください。"
)
# A 10 MB document is ~13.4 MB in base64; leave room for the JSON around it.
DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_CHECKS = 1000
_CHECK_PATH = re.compile(r"^/v1/checks/([A-Za-z0-9_-]{1,100})$")
_OPERATOR_PATH = re.compile(r"^/_simulator/checks/([A-Za-z0-9_-]{1,100})/(complete|resend)$")


@dataclass
class Delivery:
    """One attempt to POST a webhook event to the check's callback URL."""

    event_id: str
    status: int | None  # the callback's HTTP status; None when it could not be reached
    error: str = ""
    at: float = 0.0


@dataclass
class SimulatedCheck:
    check_id: str
    reference: str
    callback_url: str
    full_name: str
    birth_date: str
    document_mime: str
    document_size: int
    created_at: float
    status: str = "pending"
    reason: str = ""
    completed_at: float | None = None
    event: dict[str, Any] | None = None  # the last webhook event (kept for resend)
    deliveries: list[Delivery] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        last = self.deliveries[-1] if self.deliveries else None
        return {
            "check_id": self.check_id,
            "reference": self.reference,
            "status": self.status,
            "reason": self.reason,
            "created_at": _iso(self.created_at),
            "completed_at": _iso(self.completed_at) if self.completed_at else None,
            "last_callback_status": last.status if last else None,
        }


def _new_check_id() -> str:
    # Base32 (mostly letters): hex ids often hold runs of 7+ digits, which the log filter
    # (urikake.security.logging) masks as personal data, making the logs hard to follow.
    return "chk_" + base64.b32encode(os.urandom(15)).decode("ascii").lower()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat().replace("+00:00", "Z")


class EkycSimulator(LocalHttpSimulator):
    """The simulator: :meth:`start` serves in a daemon thread, :meth:`stop` shuts it down."""

    thread_name = "ekyc-simulator"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8765,
        api_key: str = DEV_API_KEY,
        webhook_secret: str = DEV_WEBHOOK_SECRET,
        auto_complete_after: float | None = None,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_checks: int = DEFAULT_MAX_CHECKS,
        clock: Callable[[], float] = time.time,
        delivery_timeout: float = 10,
        on_delivery: Callable[[SimulatedCheck, Delivery], None] | None = None,
    ) -> None:
        if not api_key or not webhook_secret:
            raise ValueError("the simulator needs an API key and a webhook secret")
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.auto_complete_after = auto_complete_after
        self.max_body_bytes = max_body_bytes
        self.max_checks = max_checks
        # Injectable so that a test can play a vendor whose clock is wrong.
        self.clock = clock
        self.delivery_timeout = delivery_timeout
        # Called after every webhook attempt (tests wait on it instead of sleeping).
        self.on_delivery = on_delivery
        self._checks: collections.OrderedDict[str, SimulatedCheck] = collections.OrderedDict()
        self._by_reference: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._timers: list[threading.Timer] = []
        self._server = QuietServer((host, port), _Handler)
        self._server.simulator = self

    # --- lifecycle ------------------------------------------------------------------------

    def _on_stop(self) -> None:
        self._stopping.set()
        with self._lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()

    # --- the vendor's behaviour (also callable directly from tests) ------------------------

    def create_check(self, payload: Any) -> tuple[SimulatedCheck, bool]:
        """Validate a start request; return (check, created). A known reference is idempotent."""
        data = _validate_start(payload)
        with self._lock:
            existing = self._by_reference.get(data["reference"])
            if existing is not None and existing in self._checks:
                return self._checks[existing], False
            check = SimulatedCheck(
                check_id=_new_check_id(),
                reference=data["reference"],
                callback_url=data["callback_url"],
                full_name=data["full_name"],
                birth_date=data["birth_date"],
                document_mime=data["document_mime"],
                document_size=data["document_size"],
                created_at=self.clock(),
            )
            self._checks[check.check_id] = check
            self._by_reference[check.reference] = check.check_id
            while len(self._checks) > self.max_checks:  # bounded memory: forget the oldest
                _, old = self._checks.popitem(last=False)
                self._by_reference.pop(old.reference, None)
            if self.auto_complete_after is not None and not self._stopping.is_set():
                timer = threading.Timer(
                    self.auto_complete_after, self._auto_complete, args=(check.check_id,)
                )
                timer.daemon = True
                self._timers = [t for t in self._timers if t.is_alive()]
                self._timers.append(timer)
                timer.start()
        logger.info("check %s created (reference %s)", check.check_id, check.reference)
        return check, True

    def get(self, check_id: str) -> SimulatedCheck:
        with self._lock:
            check = self._checks.get(check_id)
        if check is None:
            raise SimulatorError(404, "not_found", "no such check")
        return check

    def checks(self) -> list[SimulatedCheck]:
        with self._lock:
            return list(self._checks.values())

    def complete(self, check_id: str, result: str, reason: str = "") -> Delivery:
        """Decide a pending check and deliver the signed ``check.completed`` webhook."""
        if result not in {"verified", "rejected"}:
            raise SimulatorError(400, "invalid_request", "result must be verified or rejected")
        reason = reason.strip()[:500]
        if result == "rejected" and not reason:
            reason = "提出された書類では本人確認ができませんでした。"
        if result == "verified":
            reason = ""
        with self._lock:
            check = self._checks.get(check_id)
            if check is None:
                raise SimulatorError(404, "not_found", "no such check")
            if check.status != "pending":
                raise SimulatorError(409, "already_completed", f"check is {check.status}")
            check.status = result
            check.reason = reason
            check.completed_at = self.clock()
            check.event = {
                "event_id": str(uuid.uuid4()),
                "type": "check.completed",
                "check_id": check.check_id,
                "reference": check.reference,
                "result": result,
                "reason": reason,
                "completed_at": _iso(check.completed_at),
            }
        logger.info("check %s completed: %s", check_id, result)
        return self._deliver(check)

    def resend(self, check_id: str) -> Delivery:
        """Deliver the last event again, same event id (what a vendor's retry looks like)."""
        check = self.get(check_id)
        if check.event is None:
            raise SimulatorError(409, "not_completed", "check has no event to resend")
        return self._deliver(check)

    def _deliver(self, check: SimulatedCheck) -> Delivery:
        assert check.event is not None
        body = json.dumps(check.event, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "urikake-ekyc-simulator/1",
            **signed_headers(self.webhook_secret, timestamp, body),
        }
        request = urllib.request.Request(  # noqa: S310 — callback_url validated as http(s)
            check.callback_url, data=body, headers=headers, method="POST"
        )
        delivery = Delivery(event_id=check.event["event_id"], status=None, at=time.time())
        try:
            with urllib.request.urlopen(  # noqa: S310 # nosec B310 # callback_url validated as http(s) when the check was created
                request, timeout=self.delivery_timeout
            ) as response:
                delivery.status = response.status
        except urllib.error.HTTPError as exc:
            delivery.status = exc.code
            delivery.error = exc.read(2000).decode("utf-8", "replace")
            exc.close()
        except (urllib.error.URLError, OSError) as exc:
            delivery.error = str(getattr(exc, "reason", exc))
        with self._lock:
            check.deliveries.append(delivery)
            del check.deliveries[:-20]
        logger.info(
            "webhook %s for %s → %s %s",
            delivery.event_id,
            check.check_id,
            delivery.status,
            delivery.error[:200],
        )
        if self.on_delivery is not None:
            self.on_delivery(check, delivery)
        return delivery

    def _auto_complete(self, check_id: str) -> None:
        try:
            check = self.get(check_id)
        except SimulatorError:
            return  # forgotten (bounded memory) before its time came
        if check.status != "pending":
            return  # an operator already decided it
        rejected = any(marker in check.full_name.upper() for marker in REJECT_MARKERS)
        try:
            delivery = self.complete(
                check_id,
                "rejected" if rejected else "verified",
                AUTO_REJECT_REASON if rejected else "",
            )
        except SimulatorError:
            return
        # Retry like a real vendor when the receiver is down or failing (e.g. the web app is
        # still starting), with the same event id; stop on any 2xx/4xx answer.
        delay = 1.0
        for _ in range(4):
            if delivery.status is not None and delivery.status < 500:
                return
            if self._stopping.wait(delay):
                return
            delay *= 2
            delivery = self.resend(check_id)


def _validate_start(payload: Any) -> dict[str, Any]:
    def bad(message: str) -> SimulatorError:
        return SimulatorError(400, "invalid_request", message)

    if not isinstance(payload, dict):
        raise bad("body must be a JSON object")
    out: dict[str, Any] = {}
    for name, limit in (("reference", 100), ("full_name", 200), ("document_mime", 100)):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise bad(f"{name} is required (a string of at most {limit} characters)")
        out[name] = value.strip()
    callback = payload.get("callback_url")
    parsed = urllib.parse.urlsplit(callback) if isinstance(callback, str) else None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise bad("callback_url must be an http(s) URL")
    out["callback_url"] = callback
    try:
        out["birth_date"] = date.fromisoformat(str(payload.get("birth_date"))).isoformat()
    except ValueError as exc:
        raise bad("birth_date must be YYYY-MM-DD") from exc
    if out["document_mime"] not in ACCEPTED_MIMES:
        raise bad(f"document_mime must be one of {sorted(ACCEPTED_MIMES)}")
    try:
        document = base64.b64decode(str(payload.get("document_base64") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad("document_base64 is not base64") from exc
    if not document:
        raise bad("document_base64 is empty")
    # Only the size is kept: the simulator has no use for the document itself.
    out["document_size"] = len(document)
    return out


class _Handler(JsonApiHandler):
    server_version = "UrikakeEkycSimulator/1"
    logger_name = "urikake.ekyc_simulator"

    @property
    def sim(self) -> EkycSimulator:
        sim: EkycSimulator = self.simulator
        return sim

    def body_limit(self) -> int:
        return self.sim.max_body_bytes

    def route(self, method: str, path: str) -> None:
        if method == "POST" and path == "/v1/checks":
            self.authorize(self.sim.api_key)
            check, created = self.sim.create_check(self.read_json())
            self.send_json(201 if created else 200, check.as_json())
        elif method == "GET" and (m := _CHECK_PATH.match(path)):
            self.authorize(self.sim.api_key)
            self.send_json(200, self.sim.get(m.group(1)).as_json())
        elif method == "POST" and (m := _OPERATOR_PATH.match(path)):
            self._operate(m.group(1), m.group(2))
        elif method == "GET" and path == "/_simulator/checks":
            self.send_json(200, {"checks": [c.as_json() for c in self.sim.checks()]})
        elif method == "GET" and path in {"/_simulator", "/_simulator/"}:
            self.send_body(200, _page(self.sim.checks()).encode(), "text/html; charset=utf-8")
        elif path in {"/v1/checks", "/_simulator/checks"} or _OPERATOR_PATH.match(path):
            raise SimulatorError(405, "method_not_allowed", "method not allowed")
        else:
            raise SimulatorError(404, "not_found", "no such endpoint")

    def _operate(self, check_id: str, action: str) -> None:
        from_form = self.headers.get("Content-Type", "").startswith(
            "application/x-www-form-urlencoded"
        )
        if from_form:
            raw = self.read_body()
            fields = urllib.parse.parse_qs(raw.decode("utf-8", "replace"))
            data = {k: v[0] for k, v in fields.items()}
        else:
            data = self.read_json() if int(self.headers.get("Content-Length") or 0) else {}
            if not isinstance(data, dict):
                raise SimulatorError(400, "invalid_request", "body must be a JSON object")
        if action == "complete":
            delivery = self.sim.complete(
                check_id, str(data.get("result", "")), str(data.get("reason", ""))
            )
        else:
            delivery = self.sim.resend(check_id)
        if from_form:  # the HTML page: back to the list (Post/Redirect/Get)
            self.send_response(303)
            self.send_header("Location", "/_simulator/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        check = self.sim.get(check_id)
        self.send_json(
            200,
            {
                **check.as_json(),
                "event_id": delivery.event_id,
                "callback_status": delivery.status,
                "callback_error": delivery.error,
            },
        )


def _page(checks: list[SimulatedCheck]) -> str:
    """The operator page: plain HTML forms, no script."""
    e = html.escape
    rows = []
    for c in reversed(checks):
        last = c.deliveries[-1] if c.deliveries else None
        callback = "—" if last is None else e(f"{last.status or '接続失敗'} {last.error[:80]}")
        if c.status == "pending":
            action = (
                f'<form method="post" action="/_simulator/checks/{e(c.check_id)}/complete">'
                '<input type="hidden" name="result" value="verified">'
                '<button type="submit">承認 (verified)</button></form>'
                f'<form method="post" action="/_simulator/checks/{e(c.check_id)}/complete">'
                '<input type="hidden" name="result" value="rejected">'
                '<input name="reason" value="書類の文字が読み取れません" size="24" '
                'aria-label="否認理由">'
                '<button type="submit">否認 (rejected)</button></form>'
            )
        else:
            action = (
                f'<form method="post" action="/_simulator/checks/{e(c.check_id)}/resend">'
                '<button type="submit">通知を再送 (resend)</button></form>'
            )
        rows.append(
            "<tr>"
            f"<td><code>{e(c.check_id)}</code><br><small>{e(c.reference)}</small></td>"
            f"<td>{e(c.full_name)}<br><small>{e(c.birth_date)} · {e(c.document_mime)} · "
            f"{c.document_size:,} bytes</small></td>"
            f"<td>{e(c.status)}<br><small>{e(c.reason)}</small></td>"
            f"<td>{callback}</td><td>{action}</td></tr>"
        )
    body = "".join(rows) or '<tr><td colspan="5">まだ申請はありません。</td></tr>'
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>eKYC シミュレーター</title><style>"
        "body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse;"
        "width:100%}td,th{border-bottom:1px solid #ccc;padding:.5rem;text-align:left;"
        "vertical-align:top}form{margin:.25rem 0}</style></head><body>"
        "<h1>eKYC ベンダー・シミュレーター</h1>"
        "<p>開発・デモ用です。本物の本人確認は行いません。"
        "ページを再読み込みすると最新の状態が表示されます。</p>"
        "<table><thead><tr><th>チェック</th><th>申請内容</th><th>状態</th>"
        f"<th>最後の通知</th><th>操作</th></tr></thead><tbody>{body}</tbody></table>"
        "</body></html>"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m urikake.integrations.ekyc.simulator",
        description="ローカル eKYC ベンダー・シミュレーター (development and tests only)",
    )
    add_arguments(parser)
    parser.add_argument("--api-key", default=os.environ.get("EKYC_API_KEY") or DEV_API_KEY)
    parser.add_argument(
        "--webhook-secret",
        default=os.environ.get("EKYC_WEBHOOK_SECRET") or DEV_WEBHOOK_SECRET,
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        webhook_secret=args.webhook_secret,
        auto_complete_after=args.auto_complete_after,
        write=print,
    )


def add_arguments(parser: Any) -> None:
    """Options shared by ``main()`` and the ``urikake ekyc_simulator`` command."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--auto-complete-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="complete every new check automatically after SECONDS",
    )


def run(
    *,
    host: str,
    port: int,
    api_key: str,
    webhook_secret: str,
    auto_complete_after: float | None,
    write: Callable[[str], Any],
) -> None:
    simulator = EkycSimulator(
        host, port, api_key, webhook_secret, auto_complete_after=auto_complete_after
    )
    if not is_loopback(host):
        # The operator endpoints have no key: anyone who can reach them can decide checks.
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    mode = (
        f"自動判定 {auto_complete_after:g} 秒後"
        if auto_complete_after is not None
        else "手動判定 (/_simulator/)"
    )
    write(f"eKYC シミュレーター: {simulator.url}  ({mode})  操作画面: {simulator.url}/_simulator/")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is the normal way to stop
        simulator.serve_forever()


if __name__ == "__main__":
    main()
