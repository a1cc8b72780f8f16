"""The platform's PAdES signature (pyHanko) over the contract PDFs.

Production reads the signing key and certificate from files named in settings
(``CONTRACT_SIGNING_KEY_FILE``, ``CONTRACT_SIGNING_CERT_FILE``, optional
``CONTRACT_SIGNING_CA_CHAIN_FILES`` and ``CONTRACT_SIGNING_KEY_PASSPHRASE``). Development and
tests make their own: a self-signed CA and a signer certificate issued by it, generated once
into ``VAR_DIR`` (``urikake.devsecrets.read_or_create``, one PEM bundle written atomically so
that two processes never pair one's key with the other's certificate).

The signature is an incremental update: the signed file starts with the exact bytes of the
unsigned PDF, so the SHA-256 the applicant agreed to can be checked on the signed file by
hashing its first revision.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from urikake.devsecrets import pem_blocks, read_or_create

if TYPE_CHECKING:
    from urikake.integrations.tsa.client import TsaTimeStamper

# pyHanko (and the aiohttp it brings) is imported where a PDF is sealed, not with this
# module: every `urikake` command loads the apps, and the apps reach this module.

FIELD_NAME = "UrikakeSeal"
DEV_BUNDLE = "contract-signing-dev.pem"


@dataclass(frozen=True)
class SignatureRecord:
    """What the signature's own attributes say about the applicant's agreement."""

    reason: str  # e.g. 債権売買契約への同意（同意者 user:12 …, SHA-256 …）
    location: str  # where the agreement was given (the site, the IP address)
    contact_info: str


def _dev_bundle() -> bytes:
    """A CA and a signer certificate (ECDSA P-256), PEM: CA cert, signer key, signer cert."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Urikake Development"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Urikake Development CA"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Urikake Development"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "Urikake Contract Seal (dev)"),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        ca_cert.public_bytes(pem)
        + key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + cert.public_bytes(pem)
    )


@dataclass(frozen=True)
class SigningIdentity:
    # asn1crypto objects (PrivateKeyInfo, Certificate): asn1crypto ships no type information.
    key: Any
    cert: Any
    chain: tuple[Any, ...]

    @property
    def subject(self) -> str:
        return str(self.cert.subject.human_friendly)

    @property
    def is_development(self) -> bool:
        return "(dev)" in self.subject


def _from_settings() -> SigningIdentity | None:
    key_file = getattr(settings, "CONTRACT_SIGNING_KEY_FILE", "") or ""
    cert_file = getattr(settings, "CONTRACT_SIGNING_CERT_FILE", "") or ""
    if not key_file and not cert_file:
        return None
    if not (key_file and cert_file):
        raise ImproperlyConfigured(
            "CONTRACT_SIGNING_KEY_FILE and CONTRACT_SIGNING_CERT_FILE must be set together"
        )
    from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder

    passphrase = getattr(settings, "CONTRACT_SIGNING_KEY_PASSPHRASE", "") or ""
    chain_files = getattr(settings, "CONTRACT_SIGNING_CA_CHAIN_FILES", ()) or ()
    if isinstance(chain_files, str):
        chain_files = [f for f in chain_files.split(",") if f]
    return SigningIdentity(
        key=load_private_key_from_pemder(key_file, passphrase.encode() if passphrase else None),
        cert=next(iter(load_certs_from_pemder([cert_file]))),  # type: ignore[no-untyped-call]
        chain=tuple(load_certs_from_pemder(list(chain_files))),  # type: ignore[no-untyped-call]
    )


@functools.cache
def signing_identity() -> SigningIdentity:
    """The platform's key and certificate (cached for the process)."""
    configured = _from_settings()
    if configured is not None:
        return configured
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "CONTRACT_SIGNING_KEY_FILE / CONTRACT_SIGNING_CERT_FILE are required in production"
        )
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data

    bundle = read_or_create(Path(settings.VAR_DIR) / DEV_BUNDLE, _dev_bundle)
    ca, key, cert = pem_blocks(bundle)
    return SigningIdentity(
        key=load_private_key_from_pemder_data(key, None),
        cert=next(iter(load_certs_from_pemder_data(cert))),
        chain=tuple(load_certs_from_pemder_data(ca)),
    )


def timestamper() -> TsaTimeStamper | None:
    """The time-stamping authority (RFC 3161) named by ``CONTRACT_TSA_URL``, if any.

    With one, the seal is PAdES B-T: a TSA's token over the signature proves it existed at
    that time, independently of our clock (what 電子帳簿保存法 and courts look for). Without
    one (development without the simulator), B-B."""
    url = getattr(settings, "CONTRACT_TSA_URL", "") or ""
    if not url:
        return None
    from urikake.integrations.tsa.client import TsaTimeStamper  # a pyHanko TimeStamper

    return TsaTimeStamper(url, timeout=15)


def seal(pdf: bytes, record: SignatureRecord) -> bytes:
    """Sign ``pdf`` (PAdES, SHA-256) as the platform, with ``record`` in the signature
    dictionary (/Reason, /Location, /ContactInfo), as an incremental update; B-T when a TSA
    is configured (:func:`timestamper`)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    identity = signing_identity()
    signer = signers.SimpleSigner(
        signing_cert=identity.cert,
        signing_key=identity.key,
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            list(identity.chain)
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=record.reason,
        location=record.location,
        contact_info=record.contact_info,
        name=getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ",
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    stamper = timestamper()  # here: the connection gate is asked in the caller's thread
    output = _outside_event_loop(
        lambda: signers.sign_pdf(writer, meta, signer=signer, timestamper=stamper)
    )
    signed: bytes = output.getvalue()
    return signed


def _outside_event_loop(call: Callable[[], Any]) -> Any:
    """Run ``call`` where no asyncio loop is running.

    pyHanko's synchronous API calls ``asyncio.run()``, which refuses to start inside a running
    loop (an ASGI server's request thread, or a thread that also drives Playwright's sync
    API). There the call runs on a short-lived worker thread instead; elsewhere, in place."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pades-seal") as pool:
        return pool.submit(call).result()
