"""What a securitization costs, and how it compares with factoring and a loan (seed 004 II.8).

**Direct cost (trust method)** — 証券化直接コスト = 信託配当 + 信託報酬 + 確定日付料::

    信託受益権額 × (信託配当 + 信託報酬) × 信託期間 + 確定日付料

with the trust dividend quoted as TIBOR + spread. The seed's example: ¥500,000,000 ×
((0.1 % + 0.7 %) + 0.5 %) × 3/12 + ¥700 = **¥1,625,700**. The product is computed exactly and
rounded once with the caller's named mode (円未満切捨て unless told otherwise).

**Indirect costs** (II.8 ①): managing the transferred receivables (data preparation and the
servicing clerical work) and perfection against third parties (対抗要件具備: a
certified-date fee per notice or a registration). They do not depend on the credit quality
but on the number of receivables and debtors, so they weigh most on small, short and
frequent securitizations — the seed's point that larger, longer and rarer issues are cheaper.

**Comparison.** Each way of turning the same receivables into cash is shown as the cash
received, the total cost and its annual-rate equivalent (cost ÷ cash received × 12 ÷
months, simple interest): securitization (cash = the senior and mezzanine sold; a retained
subordinated part is not cash), factoring (買取: the purchase fee is deducted up front) and
a receivables-backed loan (売掛債権担保融資: interest plus fees on the amount lent).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from urikake.domain.errors import DomainError
from urikake.domain.money import Rounding, allocate, apply_rate

__all__ = [
    "CERTIFIED_DATE_FEE",
    "DirectCost",
    "FinancingOption",
    "IndirectCost",
    "compare_financing",
    "direct_cost",
    "indirect_cost",
]

#: 確定日付料 (公証人役場所定, 700円 as of August 2003 in the seed; still 700円).
CERTIFIED_DATE_FEE = 700


@dataclass(frozen=True)
class DirectCost:
    amount: int
    months: int
    trust_dividend: int  # TIBOR + spread part
    trust_fee: int
    certified_date_fee: int
    total: int
    rounding: Rounding


def _rate_for(months: int, annual: Decimal) -> Decimal:
    return annual * Decimal(months) / Decimal(12)


def direct_cost(
    amount: int,
    *,
    tibor: Decimal,
    spread: Decimal,
    trust_fee: Decimal,
    months: int,
    certified_date_fee: int = CERTIFIED_DATE_FEE,
    rounding: Rounding,
) -> DirectCost:
    """The seed's formula; the variable part is rounded once with ``rounding``."""
    if not isinstance(months, int) or months <= 0:
        raise DomainError(
            "securitization.months", "信託期間は1か月以上で指定してください。", field="months"
        )
    for name, value in (("tibor", tibor), ("spread", spread), ("trust_fee", trust_fee)):
        if not isinstance(value, Decimal) or value < 0:
            raise DomainError(
                "securitization.rate",
                "料率は0以上の Decimal で指定してください。",
                field=name,
            )
    variable = apply_rate(amount, _rate_for(months, tibor + spread + trust_fee), rounding=rounding)
    # Show the two parts so that they add up to the one rounded figure.
    dividend, fee = allocate(variable, [tibor + spread, trust_fee]) if variable else [0, 0]
    return DirectCost(
        amount=amount,
        months=months,
        trust_dividend=dividend,
        trust_fee=fee,
        certified_date_fee=certified_date_fee,
        total=variable + certified_date_fee,
        rounding=rounding,
    )


@dataclass(frozen=True)
class IndirectCost:
    servicing: int  # managing the transferred receivables
    perfection: int  # 対抗要件具備
    setup: int  # data preparation for the pool

    @property
    def total(self) -> int:
        return self.servicing + self.perfection + self.setup


def indirect_cost(
    *,
    receivables: int,
    debtors: int,
    months: int,
    servicing_per_receivable_month: int,
    perfection_per_debtor: int = CERTIFIED_DATE_FEE,
    setup: int = 0,
) -> IndirectCost:
    """Indirect costs: per-receivable servicing per month, per-debtor perfection, set-up."""
    return IndirectCost(
        servicing=receivables * months * servicing_per_receivable_month,
        perfection=debtors * perfection_per_debtor,
        setup=setup,
    )


@dataclass(frozen=True)
class FinancingOption:
    key: str
    label: str  # Japanese, shown to people
    cash_received: int
    cost: int
    months: int

    @property
    def apr(self) -> Decimal:
        """Annual-rate equivalent: cost ÷ cash received × 12 ÷ months (exact, then Decimal)."""
        if self.cash_received <= 0:
            return Decimal(0)
        exact = Fraction(self.cost, self.cash_received) * Fraction(12, self.months)
        return Decimal(exact.numerator) / Decimal(exact.denominator)


def compare_financing(
    amount: int,
    *,
    months: int,
    securitization_cash: int,
    securitization_cost: int,
    factoring_fee_rate: Decimal,
    loan_annual_rate: Decimal,
    loan_advance_rate: Decimal,
    loan_fees: int,
    rounding: Rounding,
) -> tuple[FinancingOption, ...]:
    """Securitization, factoring (買取) and a receivables-backed loan for the same pool."""
    factoring_fee = apply_rate(amount, factoring_fee_rate, rounding=rounding)
    lent = apply_rate(amount, loan_advance_rate, rounding=Rounding.TRUNCATE)
    interest = apply_rate(lent, _rate_for(months, loan_annual_rate), rounding=rounding)
    return (
        FinancingOption(
            "securitization", "証券化", securitization_cash, securitization_cost, months
        ),
        FinancingOption(
            "factoring", "ファクタリング（買取）", amount - factoring_fee, factoring_fee, months
        ),
        FinancingOption("loan", "売掛債権担保融資", lent, interest + loan_fees, months),
    )
