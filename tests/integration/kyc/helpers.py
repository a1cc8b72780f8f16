"""Shared helpers for the eKYC tests (documents, form posts, signed webhook calls)."""

from __future__ import annotations

import json
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from urikake.audit.models import AuditRecord
from urikake.integrations.ekyc.signing import signed_headers
from urikake.kyc.models import KycCheck, KycWebhookEvent


def _png(width: int = 4, height: int = 2) -> bytes:
    """A real PNG (red pixels), built by hand so the tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
FULL_NAME = "山田 太郎"
BIRTH_DATE = "1980-04-01"


def upload(content: bytes = PNG, name: str = "license.png", mime: str = "image/png") -> Any:
    return SimpleUploadedFile(name, content, content_type=mime)


def post_form(client: Client, *, follow: bool = False, **fields: Any) -> Any:
    data = {"full_name": FULL_NAME, "birth_date": BIRTH_DATE, "document": upload(), **fields}
    return client.post("/my/kyc/", data, follow=follow)


def event_for(check: KycCheck, **overrides: Any) -> dict[str, Any]:
    event = {
        "event_id": str(uuid.uuid4()),
        "type": "check.completed",
        "check_id": check.vendor_check_id,
        "reference": str(check.reference),
        "result": "verified",
        "reason": "",
        "completed_at": "2026-01-01T00:00:00Z",
    }
    event.update(overrides)
    return event


def post_webhook(
    client: Client,
    body: bytes | dict[str, Any],
    *,
    timestamp: int | None = None,
    secret: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST to /webhooks/ekyc/ signed like the vendor does (unless ``headers`` overrides)."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    signed = signed_headers(secret or settings.EKYC_WEBHOOK_SECRET, ts, raw)
    signed.update(headers or {})
    return client.post(
        "/webhooks/ekyc/",
        data=raw,
        content_type="application/json",
        headers={k: v for k, v in signed.items() if v is not None},
    )


@dataclass(frozen=True)
class Snapshot:
    """Everything a refused webhook call must leave untouched."""

    checks: list[tuple[Any, ...]]
    audit_count: int
    event_count: int

    @classmethod
    def take(cls) -> Snapshot:
        fields = ("pk", "status", "reason", "vendor_check_id", "decided_at", "expires_at")
        return cls(
            checks=list(KycCheck.objects.order_by("pk").values_list(*fields, "updated_at")),
            audit_count=AuditRecord.objects.count(),
            event_count=KycWebhookEvent.objects.count(),
        )


def make_check(organization: Any, user: Any, **fields: Any) -> KycCheck:
    """A check as start_kyc leaves it once the vendor accepted it (for webhook tests)."""
    import hashlib

    from urikake.security import crypto

    values: dict[str, Any] = {
        "organization": organization,
        "requested_by": user,
        "status": "pending",
        "full_name": FULL_NAME,
        "birth_date": BIRTH_DATE,
        "document": crypto.encrypt_bytes(PNG),
        "document_mime": "image/png",
        "document_sha256": hashlib.sha256(PNG).hexdigest(),
        "document_size": len(PNG),
        "vendor_check_id": f"chk_{uuid.uuid4().hex}",
        **fields,
    }
    return KycCheck.objects.create(**values)
