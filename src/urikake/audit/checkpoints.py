"""Checking the audit chain, and signed checkpoints of its head kept outside the database.

A checkpoint is a small JSON file: the head's sequence number and hash, signed with Ed25519.
Store checkpoints where whoever can write the database cannot (another host, WORM storage).
``verify`` then detects not only a broken chain but also a chain rewritten from scratch,
because the record at the checkpoint's sequence number no longer carries the signed hash.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone

from urikake.audit.keys import public_key_raw_hex, signing_key
from urikake.audit.models import AuditRecord
from urikake.domain.audit_chain import (
    ChainEntry,
    ChainReport,
    JsonValue,
    canonical_json,
    verify_chain,
)

CHECKPOINT_VERSION = 1


def _entries() -> Iterator[ChainEntry]:
    for row in AuditRecord.objects.order_by("seq").iterator(chunk_size=5000):
        yield row.as_chain_entry()


def verify_stored_chain() -> ChainReport:
    return verify_chain(_entries())


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    created_at: str
    public_key: str
    signature: str

    def signed_document(self) -> bytes:
        body: dict[str, JsonValue] = {
            "version": CHECKPOINT_VERSION,
            "seq": self.seq,
            "hash": self.hash,
            "created_at": self.created_at,
            "public_key": self.public_key,
        }
        return canonical_json(body).encode()

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": CHECKPOINT_VERSION,
                "seq": self.seq,
                "hash": self.hash,
                "created_at": self.created_at,
                "public_key": self.public_key,
                "signature": self.signature,
            },
            indent=2,
        )

    @classmethod
    def load(cls, path: Path) -> Checkpoint:
        data = json.loads(path.read_text())
        if data.get("version") != CHECKPOINT_VERSION:
            raise ValueError(f"unknown checkpoint version in {path}")
        return cls(
            seq=int(data["seq"]),
            hash=str(data["hash"]),
            created_at=str(data["created_at"]),
            public_key=str(data["public_key"]),
            signature=str(data["signature"]),
        )


def create_checkpoint() -> Checkpoint:
    """Sign the current head of a chain that verifies (refuse to bless a broken chain)."""
    report = verify_stored_chain()
    if not report.ok:
        raise ValueError(f"the audit chain is broken; not signing it: {report.reason}")
    key = signing_key()
    unsigned = Checkpoint(
        seq=report.head_seq,
        hash=report.head_hash,
        created_at=timezone.now().isoformat(),
        public_key=public_key_raw_hex(key),
        signature="",
    )
    signature = base64.b64encode(key.sign(unsigned.signed_document())).decode()
    return dataclasses.replace(unsigned, signature=signature)


def check_checkpoint(checkpoint: Checkpoint) -> str | None:
    """None when the checkpoint is authentic and the stored chain still contains it."""
    expected_key = public_key_raw_hex(signing_key())
    if checkpoint.public_key != expected_key:
        return "checkpoint was signed by a different key than the configured one"
    public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(checkpoint.public_key))
    try:
        public.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_document())
    except (InvalidSignature, ValueError):
        return "checkpoint signature is invalid (the file was altered)"
    if checkpoint.seq == 0:
        return None
    row = AuditRecord.objects.filter(seq=checkpoint.seq).only("hash").first()
    if row is None:
        return f"record {checkpoint.seq} named by the checkpoint is missing"
    if row.hash != checkpoint.hash:
        return (
            f"record {checkpoint.seq} differs from the signed checkpoint: the chain was rewritten"
        )
    return None
