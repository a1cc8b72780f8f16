"""The shared HTTP client's gate and resilience against a real local HTTP server: retries
with backoff honour Retry-After, the circuit breaker fails fast, the Date header's skew is
handed to the gate, and a refused call sends nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from urikake.domain import connections as rules
from urikake.integrations import http


@dataclass
class Script:
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            script.seen.append(self.path)
            status, headers = script.answers.pop(0) if script.answers else (200, {})
            body = json.dumps({"ok": status == 200}).encode()
            self.send_response_only(status)
            headers.setdefault("Date", self.date_time_string())
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    finally:
        httpd.shutdown()
        thread.join()
        httpd.server_close()


@dataclass
class RecordingGate:
    refuse: bool = False
    finished: list[dict[str, Any]] = field(default_factory=list)

    def admit(self, call: http.OutboundCall) -> http.Permit:
        if self.refuse:
            raise http.ConnectionNotApproved(
                call.connection, [rules.Refusal("stage_suspended", "停止中です")]
            )
        gate = self

        class _Permit:
            def check_certificate(self, fingerprint: str) -> None:
                pass

            def finish(self, **kwargs: Any) -> None:
                gate.finished.append(kwargs)

        return _Permit()

    def check_inbound(self, name: str, *, source_ip: str) -> list[rules.Refusal]:
        return []


@pytest.fixture
def gate() -> Iterator[RecordingGate]:
    recording = RecordingGate()
    previous = http.set_gate(recording)
    try:
        yield recording
    finally:
        http.set_gate(previous)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    delays: list[float] = []
    monkeypatch.setattr(http, "sleep", delays.append)
    return delays


def _client(url: str) -> http.JsonClient:
    return http.JsonClient(
        url,
        "token",
        connection="bank_api",
        url_setting="X",
        credential_label="t",
        user_agent="t",
        timeout=5,
    )


def test_429_with_retry_after_is_waited_for_then_retried(
    server: tuple[str, Script], gate: RecordingGate, sleeps: list[float]
) -> None:
    url, script = server
    script.answers = [(429, {"Retry-After": "3"}), (503, {}), (200, {})]
    assert _client(url).request("GET", "/v1/accounts") == {"ok": True}
    assert len(script.seen) == 3
    assert sleeps[0] == 3  # Retry-After honoured
    assert 0 < sleeps[1] <= http.RETRY_POLICY.max_delay  # backoff with jitter
    assert [f["outcome"] for f in gate.finished] == ["refused", "refused", "ok"]
    assert [f["status"] for f in gate.finished] == [429, 503, 200]


def test_a_too_long_retry_after_fails_now(
    server: tuple[str, Script], gate: RecordingGate, sleeps: list[float]
) -> None:
    url, script = server
    script.answers = [(429, {"Retry-After": "3600"})]
    with pytest.raises(http.HttpFailure) as caught:
        _client(url).request("GET", "/v1/accounts")
    assert caught.value.status == 429
    assert sleeps == []
    assert len(script.seen) == 1


def test_posts_without_idempotency_key_are_not_retried(
    server: tuple[str, Script], gate: RecordingGate, sleeps: list[float]
) -> None:
    url, _script = server
    with pytest.raises(http.HttpFailure):
        _client(url).request("POST", "/v1/x", {"a": 1})  # the server has no do_POST: 501
    assert sleeps == []


def test_circuit_breaker_opens_after_repeated_failures(
    gate: RecordingGate, sleeps: list[float]
) -> None:
    client = _client("http://127.0.0.1:9")  # discard port: nothing listens
    for _ in range(2):
        with pytest.raises(http.HttpFailure):
            client.request("GET", "/v1/accounts")
    with pytest.raises(http.HttpFailure, match="circuit open"):
        client.request("GET", "/v1/accounts")
    assert gate.finished[-1]["outcome"] == "circuit_open"


def test_clock_skew_from_the_date_header_is_recorded(
    server: tuple[str, Script], gate: RecordingGate
) -> None:
    url, script = server
    script.answers = [(200, {"Date": "Mon, 01 Jan 2001 00:00:00 GMT"})]
    _client(url).request("GET", "/v1/accounts")
    assert gate.finished[0]["skew_seconds"] < -(10**8)  # far behind: recorded for the health page


def test_a_refused_call_sends_nothing(server: tuple[str, Script], gate: RecordingGate) -> None:
    url, script = server
    gate.refuse = True
    with pytest.raises(http.ConnectionNotApproved) as caught:
        _client(url).request("GET", "/v1/accounts")
    assert "bank_api" in caught.value.message
    assert "停止中" in caught.value.message
    assert script.seen == []


def test_without_a_gate_nothing_leaves(server: tuple[str, Script]) -> None:
    url, script = server
    previous = http.set_gate(None)
    try:
        with pytest.raises(http.ConnectionNotApproved):
            _client(url).request("GET", "/v1/accounts")
    finally:
        http.set_gate(previous)
    assert script.seen == []
