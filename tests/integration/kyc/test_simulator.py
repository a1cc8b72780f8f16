"""The HTTP adapter against the local simulator, over real sockets (no Django database)."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.integration.kyc.helpers import PDF, PNG
from urikake.integrations.ekyc import signing
from urikake.integrations.ekyc.adapter import EkycVendorError, HttpEkycVendor, VendorCheck
from urikake.integrations.ekyc.simulator import AUTO_REJECT_REASON, EkycSimulator

KEY = "test-api-key"
SECRET = "test-webhook-secret"


class Receiver:
    """A webhook endpoint that records what it gets and answers a chosen status."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.put((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def next_call(self) -> tuple[dict[str, str], bytes]:
        return self.calls.get(timeout=10)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def simulator() -> Iterator[EkycSimulator]:
    with EkycSimulator("127.0.0.1", 0, KEY, SECRET) as sim:
        yield sim


def vendor(sim: EkycSimulator, key: str = KEY) -> HttpEkycVendor:
    return HttpEkycVendor(sim.url, key, timeout=5)


def start(v: HttpEkycVendor, callback: str, reference: str = "ref-1", **kw: Any) -> VendorCheck:
    args: dict[str, Any] = {
        "reference": reference,
        "callback_url": callback,
        "full_name": "山田 太郎",
        "birth_date": date(1980, 4, 1),
        "document": PNG,
        "document_mime": "image/png",
        **kw,
    }
    return v.start_check(**args)


def operate(sim: EkycSimulator, check_id: str, action: str, **payload: Any) -> Any:
    request = urllib.request.Request(
        f"{sim.url}/_simulator/checks/{check_id}/{action}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_round_trip_start_get_complete(simulator: EkycSimulator, receiver: Receiver) -> None:
    v = vendor(simulator)
    check = start(v, receiver.url)
    assert check.status == "pending"
    assert check.check_id.startswith("chk_")
    assert v.get_check(check.check_id) == check

    answer = operate(simulator, check.check_id, "complete", result="rejected", reason="ぼやけ")
    assert answer["callback_status"] == 200
    assert answer["status"] == "rejected"
    headers, body = receiver.next_call()

    # The event is signed exactly as docs/ekyc.md says, and verifies with the shared secret.
    signing.verify(
        SECRET,
        headers["X-Ekyc-Timestamp"],
        headers["X-Ekyc-Signature"],
        body,
        now=int(time.time()),
        tolerance=300,
    )
    event = json.loads(body)
    assert event == {
        "event_id": answer["event_id"],
        "type": "check.completed",
        "check_id": check.check_id,
        "reference": "ref-1",
        "result": "rejected",
        "reason": "ぼやけ",
        "completed_at": event["completed_at"],
    }
    assert v.get_check(check.check_id) == VendorCheck(check.check_id, "rejected", "ぼやけ")


def test_resend_delivers_the_same_event_id(simulator: EkycSimulator, receiver: Receiver) -> None:
    check = start(vendor(simulator), receiver.url)
    first = operate(simulator, check.check_id, "complete", result="verified")
    again = operate(simulator, check.check_id, "resend")
    assert again["event_id"] == first["event_id"]
    bodies = [json.loads(receiver.next_call()[1]) for _ in range(2)]
    assert bodies[0] == bodies[1]


def test_a_check_is_completed_only_once(simulator: EkycSimulator, receiver: Receiver) -> None:
    check = start(vendor(simulator), receiver.url)
    operate(simulator, check.check_id, "complete", result="verified")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        operate(simulator, check.check_id, "complete", result="rejected")
    assert excinfo.value.code == 409


def test_the_reference_is_an_idempotency_key(simulator: EkycSimulator, receiver: Receiver) -> None:
    v = vendor(simulator)
    first = start(v, receiver.url, reference="same")
    assert start(v, receiver.url, reference="same") == first
    assert start(v, receiver.url, reference="other").check_id != first.check_id
    assert len(simulator.checks()) == 2


def test_pdf_documents_are_accepted(simulator: EkycSimulator, receiver: Receiver) -> None:
    check = start(vendor(simulator), receiver.url, document=PDF, document_mime="application/pdf")
    assert simulator.get(check.check_id).document_size == len(PDF)


def test_wrong_api_key_is_a_clear_error(simulator: EkycSimulator, receiver: Receiver) -> None:
    with pytest.raises(EkycVendorError) as excinfo:
        start(vendor(simulator, key="wrong"), receiver.url)
    assert excinfo.value.status == 401
    assert "本人確認サービス" in excinfo.value.message
    assert "unauthorized" in excinfo.value.detail


def test_invalid_requests_are_refused(simulator: EkycSimulator, receiver: Receiver) -> None:
    v = vendor(simulator)
    with pytest.raises(EkycVendorError) as excinfo:
        start(v, receiver.url, document_mime="text/html")
    assert excinfo.value.status == 400
    with pytest.raises(EkycVendorError):
        start(v, "file:///etc/passwd")
    with pytest.raises(EkycVendorError):
        start(v, receiver.url, document=b"")
    with pytest.raises(EkycVendorError) as excinfo:
        v.get_check("chk_unknown")
    assert excinfo.value.status == 404
    assert simulator.checks() == []


def test_an_unreachable_vendor_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    v = HttpEkycVendor(f"http://127.0.0.1:{port}", KEY, timeout=5)
    with pytest.raises(EkycVendorError) as excinfo:
        start(v, "http://127.0.0.1:1/hook")
    assert excinfo.value.status is None
    assert excinfo.value.message == (
        "本人確認サービスに接続できませんでした。時間をおいてもう一度お試しください。"
    )


def test_the_adapter_refuses_non_http_urls_and_empty_keys() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpEkycVendor("file:///tmp/x", KEY)
    with pytest.raises(ValueError, match="empty"):
        HttpEkycVendor("http://127.0.0.1:1", "")


def test_oversized_requests_are_refused_without_reading_them(receiver: Receiver) -> None:
    with EkycSimulator("127.0.0.1", 0, KEY, SECRET, max_body_bytes=1000) as sim:
        with pytest.raises(EkycVendorError) as excinfo:
            start(vendor(sim), receiver.url, document=PNG * 50)
        assert excinfo.value.status == 413
        assert sim.checks() == []


def test_auto_complete_verifies_or_rejects_by_name(receiver: Receiver) -> None:
    with EkycSimulator("127.0.0.1", 0, KEY, SECRET, auto_complete_after=0) as sim:
        v = vendor(sim)
        ok = start(v, receiver.url, reference="r-ok")
        ng = start(v, receiver.url, reference="r-ng", full_name="却下 花子")
        events = {}
        for _ in range(2):
            event = json.loads(receiver.next_call()[1])
            events[event["check_id"]] = event
    assert events[ok.check_id]["result"] == "verified"
    assert events[ng.check_id]["result"] == "rejected"
    assert events[ng.check_id]["reason"] == AUTO_REJECT_REASON


def test_auto_complete_retries_while_the_receiver_fails() -> None:
    failing = Receiver(status=503)
    try:
        with EkycSimulator("127.0.0.1", 0, KEY, SECRET, auto_complete_after=0) as sim:
            start(vendor(sim), failing.url)
            first = json.loads(failing.next_call()[1])
            failing.status = 200  # the receiver comes back
            second = json.loads(failing.next_call()[1])
            assert second["event_id"] == first["event_id"]
    finally:
        failing.close()


def test_operator_page_lists_checks_escaped(simulator: EkycSimulator, receiver: Receiver) -> None:
    start(vendor(simulator), receiver.url, full_name="<script>alert(1)</script>")
    with urllib.request.urlopen(f"{simulator.url}/_simulator/", timeout=5) as response:
        page = response.read().decode()
        assert response.headers["Content-Type"].startswith("text/html")
    assert "&lt;script&gt;" in page
    assert "<script>" not in page
    assert 'name="result" value="verified"' in page


def test_operator_form_post_redirects_back(simulator: EkycSimulator, receiver: Receiver) -> None:
    check = start(vendor(simulator), receiver.url)
    request = urllib.request.Request(
        f"{simulator.url}/_simulator/checks/{check.check_id}/complete",
        data=b"result=rejected&reason=%E5%86%99%E7%9C%9F%E3%81%8C%E6%9A%97%E3%81%84",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303
        assert response.url.endswith("/_simulator/")
    assert simulator.get(check.check_id).reason == "写真が暗い"
    assert json.loads(receiver.next_call()[1])["reason"] == "写真が暗い"


def test_python_dash_m_entry_point_serves() -> None:
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "urikake.integrations.ekyc.simulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert json.loads(r.read()) == {"status": "ok"}
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_refused_request_does_not_poison_a_kept_alive_connection(
    simulator: EkycSimulator,
) -> None:
    import http.client

    host, port = simulator.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        body = json.dumps({"reference": "x"}).encode()
        conn.request("POST", "/v1/checks", body=body, headers={"Authorization": "Bearer no"})
        refused = conn.getresponse()
        refused.read()
        assert refused.status == 401
        # The unread body must not be taken for the next request.
        conn.request("GET", "/healthz")
        answer = conn.getresponse()
        assert (answer.status, json.loads(answer.read())) == (200, {"status": "ok"})
    finally:
        conn.close()
