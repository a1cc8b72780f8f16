"""A local RFC 3161 time-stamping authority (TSA) over HTTP, for development and tests.

It speaks the protocol a commercial TSA (e.g. the 認定タイムスタンプ services accredited under
Japan's time-stamp scheme) speaks: ``POST`` a DER ``TimeStampReq`` with
``Content-Type: application/timestamp-query``, get a DER ``TimeStampResp`` back as
``application/timestamp-reply`` (RFC 3161 §3.4). The platform's client is
:class:`urikake.integrations.tsa.client.TsaTimeStamper`, unchanged — only the URL differs in
production.

The token is made by pyHanko's ``DummyTimeStamper`` with this simulator's own RSA key and a
certificate for ``id-kp-timeStamping`` issued by its own root (both generated once, kept under
``VAR_DIR``). Tests trust that root to validate the timestamp.
"""

from __future__ import annotations

import datetime as dt
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from asn1crypto import tsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from urikake.devsecrets import pem_blocks, read_or_create
from urikake.integrations.simulator_base import LocalHttpSimulator

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
MAX_REQUEST = 16 * 1024
BUNDLE = "tsa-simulator-dev.pem"


def make_bundle() -> bytes:
    """PEM: root certificate, TSA key, TSA certificate (RSA: DummyTimeStamper signs RSA)."""
    now = dt.datetime.now(dt.UTC)
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Urikake Development"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Urikake Development TSA Root"),
        ]
    )
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Urikake Development"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Urikake TSA simulator"),
                ]
            )
        )
        .issuer_name(root_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        # RFC 3161 §2.3: the TSA certificate has exactly this EKU, marked critical.
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        root.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(pem)
    )


class TsaSimulator(LocalHttpSimulator):
    thread_name = "tsa-simulator"

    def __init__(self, host: str = "127.0.0.1", port: int = 8767, *, bundle: bytes) -> None:
        root_pem, key_pem, cert_pem = pem_blocks(bundle)
        self.root = next(iter(load_certs_from_pemder_data(root_pem)))
        cert = next(iter(load_certs_from_pemder_data(cert_pem)))
        self.stamper = DummyTimeStamper(
            tsa_cert=cert,
            tsa_key=load_private_key_from_pemder_data(key_pem, None),
            certs_to_embed=SimpleCertificateStore.from_certs([cert, self.root]),  # type: ignore[no-untyped-call]
        )
        self.requests = 0
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.simulator = self  # type: ignore[attr-defined]

    def respond(self, body: bytes) -> bytes:
        request = tsp.TimeStampReq.load(body)
        request.native  # noqa: B018 — parse it all now: a malformed request is refused here
        self.requests += 1
        return bytes(self.stamper.request_tsa_response(request).dump())


class _Handler(BaseHTTPRequestHandler):
    server_version = "UrikakeTSA/1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        simulator: TsaSimulator = self.server.simulator  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Content-Type", "").split(";")[0].strip() != QUERY:
            self._send(415, b"Content-Type must be application/timestamp-query", "text/plain")
            return
        if not 0 < length <= MAX_REQUEST:
            self._send(400, b"bad request size", "text/plain")
            return
        try:
            reply = simulator.respond(self.rfile.read(length))
        except (ValueError, TypeError, KeyError):
            self._send(400, b"malformed TimeStampReq", "text/plain")
            return
        self._send(200, reply, REPLY)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, b'{"status": "ok"}', "application/json")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def dev_bundle(var_dir: Path) -> bytes:
    return read_or_create(var_dir / BUNDLE, make_bundle)
