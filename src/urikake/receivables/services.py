"""Use cases of the receivables context: debtors and bank-statement imports.

Every state change is one function here: one transaction, ``acting_user`` keyword-only, one
audit record. Parsing and validation live in the domain core (``urikake.domain``); this
module only stores what the domain accepted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_corporate_number
from urikake.domain.name_matching import normalize_name
from urikake.domain.statements import Direction, Statement
from urikake.receivables.models import Debtor, DebtorIdentity, StatementEntry, StatementImport


def debtor_identity_key(*, name_kana: str, corporate_number: str = "") -> str:
    """The platform-wide identity of a debtor: its 法人番号, else its normalised kana name.

    The same scheme as the double-assignment fingerprints
    (:func:`urikake.domain.screening.fingerprints.debtor_key`): the kana key drops legal-form
    words, spaces and ﾞ/ﾟ, so 「カブシキガイシャヤマダ」 and 「ヤマダ（カ」 are one debtor; two
    different companies with the same reading and no 法人番号 would be merged — which errs on
    the side of seeing exposure, not hiding it.
    """
    if corporate_number:
        return f"cn:{parse_corporate_number(corporate_number).value}"
    key = normalize_name(name_kana).loose_key
    if not key:
        raise DomainError(
            "debtor.kana_required",
            "売掛先名のフリガナ（カタカナ）を入力してください。",
            field="name_kana",
        )
    return f"nm:{key}"


def register_debtor(
    organization: Organization,
    *,
    acting_user: User,
    name: str,
    name_kana: str,
    corporate_number: str = "",
    address: str = "",
) -> Debtor:
    """Add a debtor (売掛先) to the organisation, linked to its platform-wide identity."""
    if not name.strip():
        raise DomainError("debtor.name_required", "売掛先名を入力してください。", field="name")
    canonical = parse_corporate_number(corporate_number).value if corporate_number else ""
    if canonical and canonical == getattr(organization, "corporate_number", ""):
        raise DomainError(
            "debtor.is_applicant",
            "自社を売掛先として登録することはできません。",
            field="corporate_number",
        )
    key = debtor_identity_key(name_kana=name_kana, corporate_number=canonical)
    try:
        with transaction.atomic():
            identity, _ = DebtorIdentity.objects.get_or_create(
                key=key,
                defaults={"corporate_number": canonical, "display_name": name.strip()},
            )
            debtor = Debtor.objects.create(
                organization=organization,
                identity=identity,
                name=name.strip(),
                name_kana=name_kana.strip(),
                corporate_number=canonical,
                address=address.strip(),
                created_by=acting_user,
            )
            audit.record(
                "debtor.registered",
                actor=acting_user,
                obj=debtor,
                payload={"organization": organization.pk, "identity": identity.pk},
            )
    except IntegrityError as exc:
        raise DomainError(
            "debtor.duplicate", "この売掛先はすでに登録されています。", field="name"
        ) from exc
    return debtor


@dataclass(frozen=True)
class ImportResult:
    statement: StatementImport
    duplicate: bool  # the very same statement was imported before: nothing changed
    new_lines: int  # movements not seen in any earlier statement of this organisation


def import_statement(
    organization: Organization,
    statement: Statement,
    *,
    acting_user: User,
    content: bytes,
    filename: str = "",
) -> ImportResult:
    """Store a parsed statement, all or nothing; the same statement twice is recognised.

    Movements already present from an overlapping earlier statement are not added again
    (the database enforces one row per movement key and organisation).
    """
    fingerprint = statement.fingerprint()
    existing = StatementImport.objects.filter(
        organization=organization, fingerprint=fingerprint
    ).first()
    if existing is not None:
        return ImportResult(existing, duplicate=True, new_lines=0)
    keys = {line.key(): line for line in statement.lines}
    with transaction.atomic():
        known = set(
            StatementEntry.objects.filter(
                organization=organization, line_key__in=list(keys)
            ).values_list("line_key", flat=True)
        )
        record = StatementImport.objects.create(
            organization=organization,
            source=statement.source.value,
            filename=filename[:255],
            content_sha256=hashlib.sha256(content).hexdigest(),
            fingerprint=fingerprint,
            bank_code=statement.bank_code,
            branch_code=statement.branch_code,
            account_type=statement.account_type,
            account_number=statement.account_number,
            account_number_last4=statement.account_number[-4:],
            account_name=statement.account_name[:100],
            period_start=statement.period_start,
            period_end=statement.period_end,
            line_count=len(statement.lines),
            new_line_count=len(keys.keys() - known),
            deposit_total=sum(
                line.amount for line in statement.lines if line.direction is Direction.DEPOSIT
            ),
            withdrawal_total=sum(
                line.amount for line in statement.lines if line.direction is Direction.WITHDRAWAL
            ),
            created_by=acting_user,
        )
        StatementEntry.objects.bulk_create(
            [
                StatementEntry(
                    statement=record,
                    organization=organization,
                    value_date=line.value_date,
                    direction=line.direction.value,
                    amount=line.amount,
                    counterparty=line.counterparty[:200],
                    description=line.description[:200],
                    reference=line.reference[:50],
                    balance_after=line.balance_after,
                    edi=line.edi[:40],
                    line_number=line.line_number,
                    line_key=key,
                )
                for key, line in keys.items()
                if key not in known
            ],
            batch_size=1000,
        )
        audit.record(
            "statement.imported",
            actor=acting_user,
            obj=record,
            payload={
                "organization": organization.pk,
                "source": statement.source.value,
                "lines": record.line_count,
                "new_lines": record.new_line_count,
            },
        )
    return ImportResult(record, duplicate=False, new_lines=record.new_line_count)
