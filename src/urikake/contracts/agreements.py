"""One agreement kept on its deal's own row: a loan facility (``urikake.lending``), a
guarantee (``urikake.guarantees``), a bulk-factoring supplier (``urikake.bulk``).

The factoring deal keeps several documents in :class:`~urikake.contracts.models.ContractDocument`
rows (:mod:`urikake.contracts.services`); the other products keep one PDF on the deal's row and
go through the same two steps, which live here so that they cannot drift apart:

* :func:`prepare` numbers the agreement, renders it once and stores the bytes with their
  SHA-256 (the hash the signer is shown and agrees to);
* :func:`seal_agreed` checks that the signer agreed to exactly those bytes and seals them with
  the platform's PAdES signature, the agreement written into the signature's reason.

The rows differ only in their field names (``contract_*`` or ``agreement_*``) and in what else
the signing changes (a status, a guarantee issued), which the caller does in the same
transaction before it saves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone

from urikake.accounts.models import User
from urikake.contracts.signing import SignatureRecord, seal
from urikake.domain.errors import DomainError

M = TypeVar("M", bound=models.Model)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class AgreementFields:
    """Where a row keeps its unsigned agreement; the signed one is always ``signed_pdf``,
    ``signed_sha256``, ``signed_by``, ``signed_at``."""

    number: str
    pdf: str
    sha256: str


CONTRACT = AgreementFields("contract_number", "contract_pdf", "contract_sha256")
AGREEMENT = AgreementFields("agreement_number", "agreement_pdf", "agreement_sha256")


def prepare(
    row: M, *, number: str, render: Callable[[M], bytes], fields: AgreementFields = CONTRACT
) -> None:
    """Number the row's agreement, render it and store the bytes and their SHA-256."""
    setattr(row, fields.number, number)  # before rendering: the PDF prints its number
    pdf = render(row)
    setattr(row, fields.pdf, pdf)
    setattr(row, fields.sha256, sha256(pdf))
    row.save(update_fields=[fields.number, fields.pdf, fields.sha256])


def seal_agreed(
    row: Any,
    *,
    agreed_sha256: str,
    changed_code: str,
    consent: str,
    acting_user: User,
    ip_address: str | None,
    fields: AgreementFields = CONTRACT,
) -> None:
    """Seal the agreement the signer was shown; set the row's ``signed_*`` fields (unsaved).

    ``consent`` names the agreement and who agrees (``金銭消費貸借契約（…）への借入人の同意``);
    the signature's reason adds the signer, the time and the hash agreed to. A hash other than
    the stored one means the document changed since it was shown: ``changed_code``.
    """
    unsigned_sha = getattr(row, fields.sha256)
    if agreed_sha256 != unsigned_sha:
        raise DomainError(
            changed_code,
            "表示した契約書と現在の契約書が一致しません。もう一度内容をご確認ください。",
        )
    now = timezone.now()
    record = SignatureRecord(
        reason=(
            f"{consent}: 同意者 user:{acting_user.pk}, "
            f"同意日時 {timezone.localtime(now).isoformat(timespec='seconds')}, "
            f"署名前SHA-256 {unsigned_sha}"
        ),
        location=f"Urikake（同意元IPアドレス {ip_address or '不明'}）",
        contact_info=f"user:{acting_user.pk}",
    )
    signed = seal(bytes(getattr(row, fields.pdf) or b""), record)
    row.signed_pdf = signed
    row.signed_sha256 = sha256(signed)
    row.signed_by = acting_user
    row.signed_at = now
