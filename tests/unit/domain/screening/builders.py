"""Statement and input builders for the screening tests (domain types only, no files)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from urikake.domain.bank_calendar import adjust_to_business_day
from urikake.domain.invoices import InvoiceData
from urikake.domain.screening import (
    ApplicantProfile,
    DebtorProfile,
    PlatformContext,
    PriorInvoice,
    Product,
    ScreeningInput,
)
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine

TODAY = date(2026, 11, 20)  # a Friday, bank business day
NOW = datetime(2026, 11, 20, 10, 0)  # before the 12:00 cut-off

DEBTOR_NAMES = ("株式会社ヤマダ商事", "カブシキガイシャヤマダショウジ")
DEBTOR_CN = "1180301018771"
APPLICANT = ApplicantProfile(
    names=("株式会社スズキ工業", "カブシキガイシャスズキコウギョウ"),
    corporate_number="7010001008844",
    established=date(2015, 4, 1),
    forwarding_on_time=3,
)
DEBTOR = DebtorProfile(names=DEBTOR_NAMES, corporate_number=DEBTOR_CN, established=date(2001, 6, 1))

OTHER_PAYERS = (
    "ｶ)ﾀﾅｶｹﾝｾﾂ",
    "ｻﾄｳｼﾖｳｶｲ(ﾕ",
    "ｶ)ｺﾊﾞﾔｼｾｲｻｸｼﾖ",
    "ﾜﾀﾅﾍﾞ ﾀﾛｳ",
    "ｲﾄｳﾃﾞﾝｷ(ｶ",
)


def line(
    d: date,
    amount: int,
    counterparty: str,
    direction: Direction = Direction.DEPOSIT,
    edi: str = "",
    ref: str = "",
) -> StatementLine:
    return StatementLine(
        value_date=d,
        direction=direction,
        amount=amount,
        counterparty=counterparty,
        description="振込" if direction is Direction.DEPOSIT else "振込出金",
        reference=ref or f"{d.isoformat()}-{counterparty}-{amount}",
        edi=edi,
    )


def statement(lines: list[StatementLine] | tuple[StatementLine, ...]) -> Statement:
    return Statement(
        source=SourceFormat.ZENGIN_STATEMENT,
        bank_code="0001",
        branch_code="001",
        account_type=1,
        account_number="1234567",
        account_name="ｶ)ｽｽﾞｷｺｳｷﾞﾖｳ",
        period_start=TODAY - timedelta(days=365),
        period_end=TODAY,
        lines=tuple(sorted(lines, key=lambda ln: ln.value_date)),
    )


def month_day(months_back: int, day: int) -> date:
    y, m = TODAY.year, TODAY.month - months_back
    while m <= 0:
        m += 12
        y -= 1
    return date(y, m, day)


def regular_payments(
    payer: str = "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", months: int = 12, day: int = 25, base: int = 330_000
) -> list[StatementLine]:
    """Month-end-ish payments on the 25th (moved to a business day), months 1..months back."""
    out = []
    for k in range(1, months + 1):
        d = adjust_to_business_day(month_day(k, day))
        out.append(line(d, base + 1_100 * (k % 3), payer))
    return out


def noise(n_months: int = 12) -> list[StatementLine]:
    out = []
    for k in range(1, n_months + 1):
        for i, p in enumerate(OTHER_PAYERS):
            out.append(line(adjust_to_business_day(month_day(k, 5 + 3 * i)), 50_000 + 7_000 * i, p))
        out.append(
            line(
                adjust_to_business_day(month_day(k, 27)),
                200_000,
                "ｼﾔｶｲﾎｹﾝﾘﾖｳ",
                Direction.WITHDRAWAL,
            )
        )
    return out


def invoice(
    amount: int = 330_000,
    number: str = "INV-2026-0120",
    issue: date = date(2026, 10, 31),
    due: date = date(2026, 12, 25),
    debtor_name: str = "株式会社ヤマダ商事",
    cn: str = DEBTOR_CN,
) -> InvoiceData:
    return InvoiceData(
        issuer_name="株式会社スズキ工業",
        debtor_name=debtor_name,
        invoice_number=number,
        issue_date=issue,
        due_date=due,
        total_amount=amount,
        issuer_registration_number="T7010001008844",
        debtor_corporate_number=cn,
    )


def screening_input(
    *,
    lines: list[StatementLine] | None = None,
    inv: InvoiceData | None = None,
    product: Product = Product.THREE_PARTY,
    platform: PlatformContext | None = None,
    history: tuple[PriorInvoice, ...] = (),
    previous_numbers: tuple[str, ...] = (),
    applicant: ApplicantProfile = APPLICANT,
    debtor: DebtorProfile = DEBTOR,
    now: datetime = NOW,
) -> ScreeningInput:
    ls = regular_payments() + noise() if lines is None else lines
    return ScreeningInput(
        applicant=applicant,
        debtor=debtor,
        invoice=inv or invoice(),
        statements=(statement(ls),),
        product=product,
        now=now,
        platform=platform or PlatformContext(),
        history=history,
        previous_numbers=previous_numbers,
    )
