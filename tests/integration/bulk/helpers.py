"""A buyer with suppliers for bulk-factoring tests (services here; the browser journey and the
page walker reuse them)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from tests.fixtures.deals import verified_applicant
from urikake.bulk import services
from urikake.bulk.models import BuyerProgram, Supplier
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day

#: Valid 法人番号 (check digit right) for suppliers found by number in CSVs.
SUPPLIER_NUMBERS = ("9234567890123", "8234567890124", "7234567890125")


def business_day(days_ahead: int, start: date | None = None) -> date:
    day = (start or timezone.localdate()) + timedelta(days=days_ahead)
    return day if is_bank_business_day(day) else next_bank_business_day(day)


def buyer(reviewer, *, rate: str = "0.03", base_fee: int = 30_000, per_item_fee: int = 100):
    user, org = verified_applicant(name="株式会社買主", kana="カイヌシ")
    program = services.enroll_buyer(
        org,
        risk_rate=Decimal(rate),
        base_fee=base_fee,
        per_item_fee=per_item_fee,
        acting_user=reviewer,
    )
    return user, org, program


def supplier(program: BuyerProgram, reviewer, code: str, *, number: str = "", sign: bool = True):
    name = f"株式会社仕入{code}"
    user, org = verified_applicant(
        email=f"supplier-{code.lower()}-{uuid.uuid4().hex[:6]}@example.jp",
        name=name,
        kana="シイレ",
    )
    if number:
        org.corporate_number = number
        org.save(update_fields=["corporate_number"])
    s = services.add_supplier(program, organization=org, code=code, acting_user=reviewer)
    if sign:
        s = services.sign_agreement(
            s, acting_user=user, agreed_sha256=s.agreement_sha256, ip_address="127.0.0.1"
        )
    return user, org, s


def csv_of(rows: list[tuple[str, str, int, date]]) -> bytes:
    lines = ["仕入先,請求書番号,金額,支払期日"]
    lines += [f"{s},{n},{a},{d:%Y/%m/%d}" for s, n, a, d in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def hundred_payables(suppliers: list[Supplier], due: date) -> bytes:
    """100 payables spread over the suppliers, 10,000 … 1,000,000 yen, all due ``due``."""
    rows = []
    for i in range(100):
        s = suppliers[i % len(suppliers)]
        key = s.corporate_number if (i % 2 and s.corporate_number) else s.code
        rows.append((key, f"INV-{i + 1:04d}", 10_000 * (i + 1), due))
    return csv_of(rows)
