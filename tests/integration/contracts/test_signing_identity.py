"""Where the platform's signing key comes from: files named in settings, or a development
CA generated once; production without configured files refuses to sign."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from pyhanko.keys import load_certs_from_pemder_data

from urikake.contracts import signing
from urikake.devsecrets import pem_blocks

from .test_signing import pdfsig

pytestmark = pytest.mark.django_db  # the shared autouse fixture clears the (database) cache


@pytest.fixture(autouse=True)
def _fresh_identity() -> Iterator[None]:
    signing.signing_identity.cache_clear()
    yield
    signing.signing_identity.cache_clear()


def _pdf() -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(100, 700, "Urikake test")
    page.save()
    return buffer.getvalue()


def test_development_identity_is_created_once_and_reused(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    first = signing.signing_identity()
    assert (tmp_path / signing.DEV_BUNDLE).stat().st_mode & 0o777 == 0o600
    assert first.is_development
    signing.signing_identity.cache_clear()
    assert signing.signing_identity().cert.dump() == first.cert.dump()


def test_files_from_settings_are_used(settings: Any, tmp_path: Path) -> None:
    ca, key, cert = pem_blocks(signing._dev_bundle())
    for name, data in (("ca.pem", ca), ("key.pem", key), ("cert.pem", cert)):
        (tmp_path / name).write_bytes(data)
    settings.CONTRACT_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    settings.CONTRACT_SIGNING_CERT_FILE = str(tmp_path / "cert.pem")
    settings.CONTRACT_SIGNING_CA_CHAIN_FILES = str(tmp_path / "ca.pem")
    settings.VAR_DIR = tmp_path / "unused"
    signed = signing.seal(_pdf(), signing.SignatureRecord("reason", "location", "contact"))
    assert not (tmp_path / "unused").exists()  # no development identity was made
    assert "Signature is Valid." in pdfsig(signed, tmp_path, "configured.pdf")
    identity = signing.signing_identity()
    assert identity.cert.dump() == next(iter(load_certs_from_pemder_data(cert))).dump()


def test_production_without_configured_files_refuses(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.CONTRACT_SIGNING_KEY_FILE = ""
    settings.CONTRACT_SIGNING_CERT_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        signing.signing_identity()


def test_key_without_certificate_is_a_configuration_error(settings: Any) -> None:
    settings.CONTRACT_SIGNING_KEY_FILE = "/nonexistent/key.pem"
    settings.CONTRACT_SIGNING_CERT_FILE = ""
    with pytest.raises(ImproperlyConfigured):
        signing.signing_identity()


def test_seal_works_inside_a_running_event_loop(settings: Any, tmp_path: Path) -> None:
    """pyHanko's sync API calls asyncio.run(); under a running loop (an ASGI request thread,
    or Playwright's sync API in the same test session) sealing must still work."""
    import asyncio

    settings.VAR_DIR = tmp_path

    async def inside_a_loop() -> bytes:
        return signing.seal(_pdf(), signing.SignatureRecord("reason", "location", "contact"))

    signed = asyncio.run(inside_a_loop())
    assert "Signature is Valid." in pdfsig(signed, tmp_path, "in-loop.pdf")
