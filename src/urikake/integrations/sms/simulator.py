"""A local SMS gateway: the same HTTP protocol as the adapter expects, an in-memory outbox.

Run it with ``urikake sms_simulator`` (``make run`` does) or, without Django,
``python -m urikake.integrations.sms.simulator --port 8770``. Tests start it in a background
thread through :class:`SmsGatewaySimulator` (``tests/fixtures/sms.py``) and read what was
"delivered" over HTTP.

Gateway API (what Urikake calls; ``Authorization: Bearer <token>`` required)::

    POST /v1/messages  {"to": "+81…", "body": "…", "reference": "…"}   → 201 {message_id, status}
         a reference seen before answers 200 with the message already accepted (idempotent)

Operator endpoints (tests and demos; no token, so bind to loopback only)::

    GET    /_simulator/messages[?to=+81…]  → {"messages": [{message_id, to, body, reference,
                                               received_at}, …]}  oldest first
    DELETE /_simulator/messages            empty the outbox
    POST   /_simulator/faults  {"fail_next": N, "status": 503}  the next N sends fail
    GET    /healthz
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import threading
import urllib.parse
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from urikake.integrations.simulator_base import (
    JsonRequestHandler,
    LocalHttpSimulator,
    SimulatorError,
    is_loopback,
)
from urikake.integrations.sms.adapter import DEV_SMS_GATEWAY_TOKEN, MAX_BODY_CHARS

logger = logging.getLogger("urikake.sms_simulator")

MAX_BODY_BYTES = 16 * 1024
MAX_OUTBOX = 10_000  # bounded memory: the oldest messages are dropped first


class SmsGatewaySimulator(LocalHttpSimulator):
    """The simulator: :meth:`start` serves in a daemon thread, :meth:`stop` shuts it down."""

    thread_name = "sms-gateway-simulator"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 8770, token: str = DEV_SMS_GATEWAY_TOKEN
    ) -> None:
        if not token:
            raise ValueError("the simulator needs a token")
        self.token = token
        self.outbox: list[dict[str, Any]] = []
        self.fail_next = 0
        self.fail_status = 503
        self.attempts = 0  # every authorised POST /v1/messages, failed or not
        self._by_reference: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.simulator = self

    # --- the gateway's behaviour (also callable directly) ----------------------------------

    def accept(self, payload: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(payload, dict):
            raise SimulatorError(400, "invalid_request", "body must be a JSON object")
        to, body, reference = payload.get("to"), payload.get("body"), payload.get("reference")
        if not isinstance(to, str) or not to.startswith("+") or not to[1:].isdigit():
            raise SimulatorError(400, "invalid_recipient", "to must be an E.164 number")
        if not isinstance(body, str) or not body or len(body) > MAX_BODY_CHARS:
            raise SimulatorError(400, "invalid_body", f"body must be 1–{MAX_BODY_CHARS} chars")
        if not isinstance(reference, str) or not 0 < len(reference) <= 200:
            raise SimulatorError(400, "invalid_reference", "reference is required")
        with self._lock:
            self.attempts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                raise SimulatorError(self.fail_status, "unavailable", "simulated failure")
            seen = self._by_reference.get(reference)
            if seen is not None:
                return 200, {"message_id": seen["message_id"], "status": "accepted"}
            message = {
                "message_id": f"sms_{uuid.uuid4().hex[:16]}",
                "to": to,
                "body": body,
                "reference": reference,
                "received_at": datetime.now(UTC).isoformat(),
            }
            self.outbox.append(message)
            self._by_reference[reference] = message
            if len(self.outbox) > MAX_OUTBOX:
                dropped = self.outbox.pop(0)
                self._by_reference.pop(dropped["reference"], None)
        return 201, {"message_id": message["message_id"], "status": "accepted"}

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(m) for m in self.outbox if to is None or m["to"] == to]

    def clear(self) -> None:
        with self._lock:
            self.outbox.clear()
            self._by_reference.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    simulator: SmsGatewaySimulator


class _Handler(JsonRequestHandler):
    server: _Server
    server_version = "UrikakeSmsSimulator/1"
    max_body_bytes = MAX_BODY_BYTES

    @property
    def sim(self) -> SmsGatewaySimulator:
        return self.server.simulator

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        self._body_consumed = False
        try:
            if method == "POST" and path == "/v1/messages":
                self.require_bearer(self.sim.token)
                status, answer = self.sim.accept(self.read_json())
                self.send_json(status, answer)
            elif method == "GET" and path == "/_simulator/messages":
                to = urllib.parse.parse_qs(parts.query).get("to", [None])[0]
                self.send_json(200, {"messages": self.sim.messages(to)})
            elif method == "DELETE" and path == "/_simulator/messages":
                self.sim.clear()
                self.send_json(200, {"messages": []})
            elif method == "POST" and path == "/_simulator/faults":
                self._faults(self.read_json())
            elif method == "GET" and path == "/healthz":
                self.send_json(200, {"status": "ok"})
            elif path.startswith(("/v1/", "/_simulator/")):
                raise SimulatorError(405, "method_not_allowed", "method not allowed")
            else:
                raise SimulatorError(404, "not_found", "no such endpoint")
        except SimulatorError as exc:
            self.send_error_json(method, exc)

    def _faults(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise SimulatorError(400, "invalid_request", "body must be a JSON object")
        count = data.get("fail_next", 0)
        status = data.get("status", 503)
        if not isinstance(count, int) or count < 0 or status not in {429, 500, 502, 503}:
            raise SimulatorError(400, "invalid_request", "fail_next ≥ 0; status 5xx/429")
        with self.sim._lock:
            self.sim.fail_next = count
            self.sim.fail_status = status
        self.send_json(200, {"fail_next": count, "status": status})


def add_arguments(parser: Any) -> None:
    """Options shared by ``main()`` and the ``urikake sms_simulator`` command."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8770)


def run(*, host: str, port: int, token: str, write: Callable[[str], Any]) -> None:
    simulator = SmsGatewaySimulator(host, port, token)
    if not is_loopback(host):
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    write(
        f"SMS配信 シミュレーター: {simulator.url}  (受信一覧: {simulator.url}/_simulator/messages)"
    )
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m urikake.integrations.sms.simulator",
        description="ローカルSMS配信 シミュレーター (development and tests only)",
    )
    add_arguments(parser)
    parser.add_argument(
        "--token", default=os.environ.get("SMS_GATEWAY_TOKEN") or DEV_SMS_GATEWAY_TOKEN
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(host=args.host, port=args.port, token=args.token, write=print)


if __name__ == "__main__":
    main()
