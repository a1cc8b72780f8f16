"""The lifecycle shared by the local simulators of outside parties (eKYC vendor, bank API).

A simulator owns a ``ThreadingHTTPServer`` in ``self._server``; this base gives it a URL,
start/stop in a background thread (tests), serving in the calling thread (the management
commands), and use as a context manager. Subclasses put their own clean-up in ``_on_stop``.
"""

from __future__ import annotations

import ssl
import threading
from http.server import ThreadingHTTPServer
from typing import Self


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
