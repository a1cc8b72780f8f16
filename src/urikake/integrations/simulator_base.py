"""What the local simulators of outside parties (eKYC vendor, bank API, SMS gateway,
screening vendors) share: the server's lifecycle and the JSON request handling.

A simulator owns a ``ThreadingHTTPServer`` in ``self._server``; this base gives it a URL,
start/stop in a background thread (tests), serving in the calling thread (the management
commands), and use as a context manager. Subclasses put their own clean-up in ``_on_stop``.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import ssl
import threading
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LocalHttpSimulator:
    thread_name = "simulator"
    _server: ThreadingHTTPServer
    _thread: threading.Thread | None = None
    _tls = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def use_tls(self, certfile: str, keyfile: str) -> Self:
        """Serve https with this certificate (before start()): what a connection approval
        pins is the certificate's SHA-256 fingerprint (tests of the connection gate)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certfile, keyfile)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._tls = True
        return self

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("already started")
        # A short poll interval so that stop() (one per test) returns quickly.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.thread_name,
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the command-line mode)."""
        try:
            self._server.serve_forever()
        finally:
            self._on_stop()
            self._server.server_close()

    def stop(self) -> None:
        self._on_stop()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def _on_stop(self) -> None:
        """Subclass hook: cancel timers and the like before the server closes."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SimulatorError(Exception):
    """An error the simulated vendor answers as ``{"error": {"code", "message"}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    simulator: Any


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class JsonRequestHandler(BaseHTTPRequestHandler):
    """JSON in and out for a simulator's handler: bounded bodies, bearer tokens, no caching.

    Subclasses set ``max_body_bytes`` and dispatch; a :class:`SimulatorError` raised while
    handling becomes its JSON error answer through :meth:`send_error_json`.
    """

    protocol_version = "HTTP/1.1"
    timeout = 30  # a silent client must not hold a thread forever
    max_body_bytes = 64 * 1024
    _body_consumed = False

    def require_bearer(self, token: str) -> None:
        scheme, _, given = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise SimulatorError(401, "unauthorized", "missing or wrong API token")

    def body_limit(self) -> int:
        """The largest body read (a simulator configured per instance overrides this)."""
        return self.max_body_bytes

    def read_body(self) -> bytes:
        """The request body; an oversized or unsized one is not read and the connection is
        closed after the answer (its bytes must not be taken for the next request)."""
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.isdigit():
            self.close_connection = True
            raise SimulatorError(411, "length_required", "Content-Length is required")
        length = int(length_header)
        if length > self.body_limit():
            self.close_connection = True
            raise SimulatorError(413, "too_large", "request body too large")
        self._body_consumed = True
        return self.rfile.read(length)

    def read_json(self) -> Any:
        body = self.read_body()
        try:
            return json.loads(body)
        except ValueError as exc:
            raise SimulatorError(400, "invalid_request", "body is not JSON") from exc

    def send_json(self, status: int, payload: Any) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_body(status, body, "application/json; charset=utf-8")

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status, HTTPStatus(status).phrase)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, method: str, exc: SimulatorError) -> None:
        if method in {"POST", "PUT"} and not self._body_consumed:
            self.close_connection = True  # an unread body must not be taken for a request
        self.send_json(exc.status, {"error": {"code": exc.code, "message": exc.message}})


class JsonApiHandler(JsonRequestHandler):
    """A JSON vendor API behind a bearer token (the screening vendors' simulators): GET and
    POST are dispatched to :meth:`route`, ``/healthz`` answers by itself, and subclasses read
    ``self.simulator``.
    """

    server_version = "UrikakeSimulator/1"
    logger_name = "urikake.simulator"

    @property
    def simulator(self) -> Any:
        return getattr(self.server, "simulator")  # noqa: B009 — set by the simulator

    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger(self.logger_name).debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def route(self, method: str, path: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def authorize(self, token: str) -> None:
        self.require_bearer(token)

    def _dispatch(self, method: str) -> None:
        self._body_consumed = False
        try:
            path = urllib.parse.urlsplit(self.path).path
            if method == "GET" and path == "/healthz":
                self.send_json(200, {"status": "ok"})
            else:
                self.route(method, path)
        except SimulatorError as exc:
            self.send_error_json(method, exc)
