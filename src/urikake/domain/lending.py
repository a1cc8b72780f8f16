"""Receivables-backed loans under the credit guarantee scheme (売掛債権担保融資, seed 004 IV).

Pure rules, no I/O:

* the advance-rate matrix (掛け目): the receivable's credit grade × the perfection method
  (登記 / 通知 / 承諾), every cell within 50–90% (IV.5) — operator-configured and
  effective-dated (the app stores versions; :data:`SEED_MATRIX` is the seed's example);
* collateral value (担保価値) = eligible receivables × advance rate, 円未満切捨て per
  receivable;
* the loan amount (個別保証) or limit (根保証) = min(collateral value, the scheme's cap, the
  amount decided from funding need / repayment capacity / plan), each bound with its reason;
* guarantee scheme versions (:data:`SCHEMES`): cap, coverage, fee rate and the fee base share,
  effective-dated; the fee (信用保証料) with a named rounding;
* interest accrued daily, act/365, one named rounding per accrual period;
* eligibility (IV.4): one year of trading with the debtor shown by bank statements, no
  anti-assignment clause in force, perfection before drawdown; the document set;
* the borrowing base of a revolving facility and the shortfall (担保不足) when the loan
  exceeds the collateral value;
* the balance report deadline (残高報告): the 10th of the next month, moved to the next bank
  business day when the 10th is a bank holiday (docs/lending.md says why).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from urikake.domain.assignment_clauses import ClauseStatus, clear_for_transfer
from urikake.domain.bank_calendar import (
    BusinessDayConvention,
    adjust_to_business_day,
    previous_bank_business_day,
)
from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError
from urikake.domain.money import Rounding, apply_rate, interest_act365
from urikake.domain.perfection import Method

__all__ = [
    "MAX_ADVANCE_RATE",
    "MIN_ADVANCE_RATE",
    "SCHEMES",
    "SEED_MATRIX",
    "AdvanceRateMatrix",
    "AmountDecision",
    "BalanceReport",
    "BorrowingBase",
    "Bound",
    "BoundKind",
    "CollateralItem",
    "CreditGrade",
    "GuaranteeScheme",
    "LoanDocument",
    "LoanScheme",
    "ReceivableFacts",
    "ReportLine",
    "borrowing_base",
    "collateral_value",
    "decide_amount",
    "effective",
    "eligibility_problems",
    "guarantee_fee",
    "interest_on_balances",
    "missing_documents",
    "month_end",
    "report_deadline",
    "report_reminder_dates",
    "revolving_period",
    "scheme",
    "split_recovery",
    "split_repayment",
]

MIN_ADVANCE_RATE = Decimal("0.50")
MAX_ADVANCE_RATE = Decimal("0.90")
#: Rounding of collateral values, fees and interest (円未満切捨て) unless a contract says
#: otherwise.
ROUNDING = Rounding.TRUNCATE


class LoanScheme(enum.StrEnum):
    """The two schemes of IV.3."""

    INDIVIDUAL = "individual"  # 個別保証: guaranteed each time, against specific receivables
    REVOLVING = "revolving"  # 根保証: a one-year limit, draws within it

    @property
    def label_ja(self) -> str:
        return {"individual": "個別保証", "revolving": "根保証"}[self.value]


class CreditGrade(enum.StrEnum):
    """The receivable's credit grade (債権の信用格付け, IV.5: 低い / 普通 / 高い)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"

    @property
    def label_ja(self) -> str:
        return {"low": "低い", "normal": "普通", "high": "高い"}[self.value]


GRADE_ORDER = (CreditGrade.LOW, CreditGrade.NORMAL, CreditGrade.HIGH)
#: Weakest to strongest: registration does not tell the debtor, consent binds them.
METHOD_ORDER = (Method.REGISTRATION, Method.NOTICE, Method.CONSENT)


def _rate_in_bounds(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("lending.rate_type", f"{what}はDecimalで指定してください。")
    if not MIN_ADVANCE_RATE <= value <= MAX_ADVANCE_RATE:
        raise DomainError(
            "lending.advance_rate_bounds",
            f"{what}は50%以上90%以下で指定してください(制度上の掛け目の範囲)。",
        )
    return value


@dataclass(frozen=True, slots=True)
class AdvanceRateMatrix:
    """One effective-dated version of the advance-rate matrix (掛け目表).

    ``rates[(grade, method)]``: every grade × method cell, each in [50%, 90%]; a better
    grade or a stronger perfection never lowers the rate (the matrix is monotone, IV.5's
    picture: 50% at the lowest grade with registration only … 90% at the best with consent).
    """

    effective_from: date
    rates: Mapping[tuple[CreditGrade, Method], Decimal]

    def __post_init__(self) -> None:
        require_date(self.effective_from, "effective_from")
        for grade in GRADE_ORDER:
            for method in METHOD_ORDER:
                if (grade, method) not in self.rates:
                    raise DomainError(
                        "lending.matrix_incomplete",
                        f"掛け目表に「{grade.label_ja}・{method.label}」の値がありません。",
                    )
                _rate_in_bounds(
                    self.rates[(grade, method)], f"掛け目（{grade.label_ja}・{method.label}）"
                )
        for gi, grade in enumerate(GRADE_ORDER):
            for mi, method in enumerate(METHOD_ORDER):
                here = self.rates[(grade, method)]
                if gi and self.rates[(GRADE_ORDER[gi - 1], method)] > here:
                    raise DomainError(
                        "lending.matrix_not_monotone",
                        "信用格付けが高いほど掛け目は同じか高くしてください。",
                    )
                if mi and self.rates[(grade, METHOD_ORDER[mi - 1])] > here:
                    raise DomainError(
                        "lending.matrix_not_monotone",
                        "対抗要件が強いほど（登記→通知→承諾）掛け目は同じか高くしてください。",
                    )

    def rate(self, grade: CreditGrade | str, method: Method | str) -> Decimal:
        try:
            return self.rates[(CreditGrade(grade), Method(method))]
        except ValueError:
            raise DomainError(
                "lending.matrix_key", "信用格付けまたは対抗要件の指定が正しくありません。"
            ) from None

    def as_rows(self) -> list[tuple[CreditGrade, list[Decimal]]]:
        """Rows best grade first, columns registration → notice → consent (for display)."""
        return [(g, [self.rates[(g, m)] for m in METHOD_ORDER]) for g in reversed(GRADE_ORDER)]


def _matrix(
    effective_from: date, rows: Mapping[CreditGrade, tuple[str, str, str]]
) -> AdvanceRateMatrix:
    return AdvanceRateMatrix(
        effective_from,
        {
            (grade, method): Decimal(value)
            for grade, values in rows.items()
            for method, value in zip(METHOD_ORDER, values, strict=True)
        },
    )


#: The seed's example matrix (IV.5 gives the corners: 50% low grade + registration, 90% high
#: grade + consent); the operator configures the real one in the back office.
SEED_MATRIX = _matrix(
    date(2001, 12, 1),
    {
        CreditGrade.LOW: ("0.50", "0.60", "0.70"),
        CreditGrade.NORMAL: ("0.60", "0.70", "0.80"),
        CreditGrade.HIGH: ("0.70", "0.80", "0.90"),
    },
)


@dataclass(frozen=True, slots=True)
class GuaranteeScheme:
    """One version of a credit guarantee scheme (信用保証制度).

    ``coverage``: the guarantor's share of a loss (代位弁済の割合); ``fee_rate``: the annual
    guarantee fee rate (信用保証料率) applied to ``fee_base_share`` of the loan or limit
    (seed 004 IV.6: 0.85% on 90%); ``report_months``: how often the balance report is due
    (1 = monthly, by the 10th of the next month).
    """

    code: str
    name_ja: str
    effective_from: date
    cap_yen: int
    coverage: Decimal
    fee_rate: Decimal
    fee_base_share: Decimal
    report_months: int = 1
    effective_to: date | None = None
    fee_rounding: Rounding = ROUNDING

    def in_force(self, on: date) -> bool:
        on = require_date(on, "on")
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


#: Seed 004 IV (2001-12 scheme, fee as of 2003-08) and the current 流動資産担保融資保証
#: (shared/FORMATS.md: ¥200,000,000 cap, 80% coverage, 0.68% fee, reporting at least
#: quarterly — the platform asks monthly anyway, the stricter of the two).
SCHEMES: tuple[GuaranteeScheme, ...] = (
    GuaranteeScheme(
        code="receivables_2001",
        name_ja="売掛債権担保融資保証制度",
        effective_from=date(2001, 12, 1),
        cap_yen=111_000_000,
        coverage=Decimal("0.90"),
        fee_rate=Decimal("0.0085"),
        fee_base_share=Decimal("0.90"),
    ),
    GuaranteeScheme(
        code="liquid_assets_2007",
        name_ja="流動資産担保融資保証制度",
        effective_from=date(2007, 8, 1),
        cap_yen=200_000_000,
        coverage=Decimal("0.80"),
        fee_rate=Decimal("0.0068"),
        fee_base_share=Decimal("0.80"),
    ),
)


def scheme(code: str, on: date) -> GuaranteeScheme:
    """The scheme version ``code`` in force on ``on``."""
    found = [s for s in SCHEMES if s.code == code and s.in_force(on)]
    if not found:
        raise DomainError(
            "lending.scheme_unknown", "指定の保証制度はこの日付では利用できません。", field="scheme"
        )
    return max(found, key=lambda s: s.effective_from)


_V = TypeVar("_V", AdvanceRateMatrix, GuaranteeScheme)


def effective(versions: Iterable[_V], on: date) -> _V:
    """The version with the latest ``effective_from`` on or before ``on``."""
    on = require_date(on, "on")
    candidates = [v for v in versions if v.effective_from <= on]
    if not candidates:
        raise DomainError("lending.no_version", f"{on:%Y-%m-%d} に有効な設定がありません。")
    return max(candidates, key=lambda v: v.effective_from)


def guarantee_fee(amount: int, scheme_: GuaranteeScheme, *, days: int = 365) -> int:
    """信用保証料 = amount × fee_base_share × fee_rate × days / 365, with the scheme's rounding.

    ``amount`` is the loan (個別保証) or the limit (根保証); one year by default.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError("lending.amount", "金額は1円以上の整数で指定してください。")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise DomainError("lending.days", "保証期間の日数は1以上で指定してください。")
    # amount × share × rate × days / 365, exact until the one rounding.
    start = date(2001, 1, 1)
    return interest_act365(
        amount,
        scheme_.fee_base_share * scheme_.fee_rate,
        start,
        start + timedelta(days=days),
        rounding=scheme_.fee_rounding,
    )


# --------------------------------------------------------------------------------------
# Collateral, amount and borrowing base
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollateralItem:
    """One receivable offered as collateral: its outstanding face and its advance rate."""

    ref: str
    face: int
    advance_rate: Decimal

    def value(self) -> int:
        return apply_rate(
            self.face, _rate_in_bounds(self.advance_rate, "掛け目"), rounding=ROUNDING
        )


def collateral_value(items: Iterable[CollateralItem]) -> int:
    """担保価値 = Σ face × advance rate (円未満切捨て per receivable)."""
    return sum(item.value() for item in items)


class BoundKind(enum.StrEnum):
    COLLATERAL = "collateral"
    SCHEME_CAP = "scheme_cap"
    DECIDED = "decided"


@dataclass(frozen=True, slots=True)
class Bound:
    kind: BoundKind
    amount: int
    reason_ja: str


@dataclass(frozen=True, slots=True)
class AmountDecision:
    """The loan amount or limit and every bound it was held to; ``binding`` is the lowest."""

    amount: int
    binding: Bound
    bounds: tuple[Bound, ...]


def decide_amount(
    *, collateral: int, scheme_: GuaranteeScheme, decided: int, decided_reason_ja: str
) -> AmountDecision:
    """借入額 / 借入極度額 = min(担保価値, 制度上の上限, 企業の状況に応じ決定した額)."""
    for value, name in ((collateral, "担保価値"), (decided, "決定額")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError("lending.amount", f"{name}は0円以上の整数で指定してください。")
    reason = decided_reason_ja.strip() or "資金需要・返済能力・経営計画から決定"
    bounds = (
        Bound(BoundKind.COLLATERAL, collateral, "担保価値（売掛債権額×掛け目）"),
        Bound(
            BoundKind.SCHEME_CAP,
            scheme_.cap_yen,
            f"制度上の上限（{scheme_.name_ja}：{scheme_.cap_yen:,}円）",
        ),
        Bound(BoundKind.DECIDED, decided, reason),
    )
    binding = min(bounds, key=lambda b: b.amount)
    if binding.amount <= 0:
        raise DomainError("lending.zero_amount", "融資可能額が0円です。担保価値をご確認ください。")
    return AmountDecision(binding.amount, binding, bounds)


def revolving_period(start: date) -> tuple[date, date]:
    """根保証の期間: one year from ``start`` (the last day is the day before the anniversary)."""
    start = require_date(start, "start")
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        anniversary = date(start.year + 1, 3, 1)
    return start, anniversary - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BorrowingBase:
    """Where a facility stands: collateral value, what may still be drawn, any shortfall."""

    collateral_value: int
    limit: int
    outstanding: int

    @property
    def available(self) -> int:
        """What may be drawn now: min(limit, collateral value) − outstanding (never < 0)."""
        return max(0, min(self.limit, self.collateral_value) - self.outstanding)

    @property
    def shortfall(self) -> int:
        """担保不足: the outstanding principal above the collateral value (0 when covered)."""
        return max(0, self.outstanding - self.collateral_value)


def borrowing_base(
    items: Iterable[CollateralItem], *, limit: int, outstanding: int
) -> BorrowingBase:
    return BorrowingBase(collateral_value(items), limit, outstanding)


# --------------------------------------------------------------------------------------
# Interest and repayment
# --------------------------------------------------------------------------------------


def interest_on_balances(
    balances: Sequence[tuple[date, date, int]],
    annual_rate: Decimal,
    *,
    rounding: Rounding = ROUNDING,
) -> int:
    """Interest accrued daily on a changing principal, act/365, rounded once.

    ``balances``: (start, end, principal) segments, ``end`` exclusive (片端入れ). The exact
    sum Σ principal × days × rate / 365 is rounded once with ``rounding``.
    """
    balance_days = 0
    for start, end, principal in balances:
        days = (require_date(end, "end") - require_date(start, "start")).days
        if days < 0:
            raise DomainError("money.period_reversed", "終了日が開始日より前になっています。")
        if isinstance(principal, bool) or not isinstance(principal, int) or principal < 0:
            raise DomainError("lending.amount", "元本は0円以上の整数で指定してください。")
        balance_days += principal * days
    # Σ principal·days × rate / 365 = simple interest on Σ principal·days over one day.
    one_day = date(2001, 1, 1)
    return interest_act365(
        balance_days, annual_rate, one_day, one_day + timedelta(days=1), rounding=rounding
    )


def split_repayment(received: int, *, interest_due: int, principal: int) -> tuple[int, int, int]:
    """Apply a payment: interest first, then principal, the rest is surplus to the client.

    Returns (interest, principal, surplus)."""
    for value in (received, interest_due, principal):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError("lending.amount", "金額は0円以上の整数で指定してください。")
    to_interest = min(received, interest_due)
    to_principal = min(received - to_interest, principal)
    return to_interest, to_principal, received - to_interest - to_principal


def split_recovery(received: int, *, uncovered: int, subrogated: int) -> tuple[int, int, int]:
    """A collection after default (代位弁済後の回収金の按分): shared between what the platform
    is still owed uncovered (``uncovered``: its remaining principal and interest) and what the
    guarantor paid and is now owed by subrogation (``subrogated``), in proportion to the two
    (按分, pari passu — neither ranks first). The guarantor's part is rounded down
    (切捨て), the platform takes the remaining yen; nothing owed, nothing shared — the rest
    is a surplus returned to the borrower. Returns (platform, guarantor, surplus)."""
    for value in (received, uncovered, subrogated):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DomainError("lending.amount", "金額は0円以上の整数で指定してください。")
    owed = uncovered + subrogated
    applied = min(received, owed)
    guarantor = applied * subrogated // owed if owed else 0  # 切捨て (floor of a product)
    return applied - guarantor, guarantor, received - applied


# --------------------------------------------------------------------------------------
# Eligibility and documents
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivableFacts:
    """What eligibility needs to know of one receivable."""

    ref: str
    #: The first payment from this debtor on the client's bank statements (None: none seen).
    trading_since: date | None
    clause: ClauseStatus
    perfected: bool


def _one_year_before(on: date) -> date:
    try:
        return on.replace(year=on.year - 1)
    except ValueError:  # 29 February
        return date(on.year - 1, 2, 28)


def eligibility_problems(
    facts: ReceivableFacts, *, on: date, at_drawdown: bool = False
) -> list[DomainError]:
    """Why a receivable may not back a loan (empty: eligible) — IV.4."""
    on = require_date(on, "on")
    out = []
    if facts.trading_since is None or facts.trading_since > _one_year_before(on):
        out.append(
            DomainError(
                "lending.trading_history",
                "売掛先との1年以上の取引（預金通帳・入出金明細での入金）が確認できません。",
                field=facts.ref,
            )
        )
    if not clear_for_transfer(facts.clause):
        out.append(
            DomainError(
                "lending.anti_assignment",
                "譲渡禁止特約が解除されていません。",
                field=facts.ref,
            )
        )
    if at_drawdown and not facts.perfected:
        out.append(
            DomainError(
                "lending.not_perfected",
                "担保の保全手続き（対抗要件の具備）が完了していません。",
                field=facts.ref,
            )
        )
    return out


class LoanDocument(enum.StrEnum):
    """The document set of IV.4 (借入手続きに必要な書類)."""

    REGISTRY_EXTRACT = "registry_extract"
    FINANCIAL_STATEMENTS = "financial_statements"
    DEBTOR_LIST = "debtor_list"
    BASIC_CONTRACT = "basic_contract"
    INVOICES = "invoices"
    PASSBOOK = "passbook"

    @property
    def label_ja(self) -> str:
        return _DOCUMENT_LABELS[self]

    @property
    def required(self) -> bool:
        """The basic contract only when one was concluded (締結している場合)."""
        return self is not LoanDocument.BASIC_CONTRACT


_DOCUMENT_LABELS = {
    LoanDocument.REGISTRY_EXTRACT: "商業登記簿謄本（履歴事項全部証明書）",
    LoanDocument.FINANCIAL_STATEMENTS: "決算書",
    LoanDocument.DEBTOR_LIST: "債権譲渡担保対象売掛先明細書",
    LoanDocument.BASIC_CONTRACT: "取引基本契約書（締結している場合）",
    LoanDocument.INVOICES: "発注書・請求書・支払通知書など",
    LoanDocument.PASSBOOK: "振込みを受けている預金通帳",
}


def missing_documents(checked: Iterable[LoanDocument | str]) -> list[LoanDocument]:
    """The required documents not yet uploaded and checked."""
    have = {LoanDocument(d) for d in checked}
    return [d for d in LoanDocument if d.required and d not in have]


# --------------------------------------------------------------------------------------
# The balance report (残高報告)
# --------------------------------------------------------------------------------------


def month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def report_deadline(period_end: date) -> date:
    """The deadline of the report of balances as of ``period_end`` (a month end): the 10th of
    the next month; when the 10th is not a bank business day, the next one (翌営業日).

    Why following and not preceding: the scheme fixes a day ("翌月10日までに"), and Civil Code
    art. 142 moves the end of a period that falls on a holiday to the next day; the bank that
    receives the report is closed on the 10th anyway (docs/lending.md).
    """
    period_end = require_date(period_end, "period_end")
    if period_end != month_end(period_end.year, period_end.month):
        raise DomainError("lending.not_month_end", "報告基準日は月末日で指定してください。")
    tenth = (period_end + timedelta(days=10)).replace(day=10)
    return adjust_to_business_day(tenth, BusinessDayConvention.FOLLOWING)


def report_reminder_dates(
    deadline: date, *, business_days_before: Iterable[int] = (3, 1)
) -> list[date]:
    """The days reminders go out: so many bank business days before the deadline."""
    out = []
    for n in business_days_before:
        d = require_date(deadline, "deadline")
        for _ in range(n):
            d = previous_bank_business_day(d)
        out.append(d)
    return sorted(set(out))


@dataclass(frozen=True, slots=True)
class ReportLine:
    """One receivable in the balance report."""

    debtor: str
    invoice_number: str
    due_date: date
    balance: int
    advance_rate: Decimal
    collateral_value: int


@dataclass(frozen=True, slots=True)
class BalanceReport:
    """残高報告: month-end collateral balances against the loan."""

    period_end: date
    deadline: date
    lines: tuple[ReportLine, ...]
    outstanding_principal: int
    limit: int
    notes: tuple[str, ...] = field(default=())

    @property
    def total_balance(self) -> int:
        return sum(line.balance for line in self.lines)

    @property
    def total_collateral_value(self) -> int:
        return sum(line.collateral_value for line in self.lines)

    @property
    def shortfall(self) -> int:
        return max(0, self.outstanding_principal - self.total_collateral_value)
