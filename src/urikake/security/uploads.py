"""Checking uploaded files before anything else touches them: size, then real content type.

The browser's ``Content-Type`` and the file name are not trusted: the type is sniffed from
the bytes (``filetype`` for binary formats; a strict check for text formats). Later issues
upload invoices (PDF, images, JP PINT XML) and bank statements (Zengin fixed-width, CSV).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

BINARY_KINDS = {
    "pdf": {"application/pdf"},
    "image": {"image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"},
}
TEXT_KINDS = {"xml", "csv", "zengin"}
KIND_LABELS = {
    "pdf": "PDF",
    "image": "画像 (JPEG/PNG/WebP/HEIC)",
    "xml": "XML",
    "csv": "CSV",
    "zengin": "全銀フォーマット",
}


@dataclass(frozen=True)
class SniffedUpload:
    kind: str
    mime: str
    size: int
    sha256: str
    content: bytes


def _text_kind(head: bytes, kinds: set[str]) -> tuple[str, str] | None:
    if b"\x00" in head:
        return None
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if "xml" in kinds and stripped.startswith(b"<"):
        return "xml", "application/xml"
    for encoding in ("utf-8", "cp932"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "csv" in kinds:
            return "csv", "text/csv"
        if "zengin" in kinds:
            return "zengin", "text/plain"
    return None


def validate_upload(
    upload: UploadedFile, *, kinds: set[str], max_bytes: int | None = None
) -> SniffedUpload:
    """Return the sniffed upload, or raise ``ValidationError`` with a Japanese message."""
    limit = max_bytes or settings.UPLOAD_MAX_BYTES
    allowed = "・".join(KIND_LABELS[k] for k in sorted(kinds))
    size = upload.size or 0
    if size <= 0:
        raise ValidationError("ファイルが空です。", code="upload.empty")
    if size > limit:
        raise ValidationError(
            f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)}MB）。",
            code="upload.too_large",
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)}MB）。",
            code="upload.too_large",
        )
    guess = filetype.guess(content[:8192])
    if guess is not None:
        for kind in kinds & BINARY_KINDS.keys():
            if guess.mime in BINARY_KINDS[kind]:
                return SniffedUpload(
                    kind, guess.mime, len(content), hashlib.sha256(content).hexdigest(), content
                )
    elif text := _text_kind(content[:65536], kinds & TEXT_KINDS):
        return SniffedUpload(
            text[0], text[1], len(content), hashlib.sha256(content).hexdigest(), content
        )
    raise ValidationError(
        f"このファイル形式には対応していません（対応形式: {allowed}）。",
        code="upload.type",
    )
