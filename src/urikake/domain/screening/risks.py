"""The five risks of receivables (seed 004), each scored 0–100 with explained reasons.

Scores are additive heuristics on the evidence, chosen to be readable by a reviewer: every
point added comes with a :class:`~urikake.domain.screening.types.Reason` whose ``code`` is
stable (for the API and for tests), whose message is Japanese, and whose ``evidence`` holds
the figures it was based on. A trained default model (another module) may be plugged in
through :class:`~urikake.domain.screening.types.ScoreProvider`; it is blended 50/50 with
the heuristic default score so that its reasons and ours both show.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from urikake.domain.invoices import InvoiceData
from urikake.domain.name_matching import STRONG_MATCH, name_similarity
from urikake.domain.products import spec
from urikake.domain.screening.fingerprints import (
    debtor_key,
    has_kanji,
    invoice_fingerprint,
    near_duplicate_keys,
    normalize_invoice_number,
)
from urikake.domain.screening.reality import TRANSFER_FEE_TOLERANCE, RealityEvidence
from urikake.domain.screening.types import (
    ApplicantProfile,
    DebtorProfile,
    ModelScore,
    PlatformContext,
    PriorInvoice,
    Product,
    Reason,
    RiskAssessment,
    RiskKind,
    RiskScore,
    ScoreProvider,
    level_for,
)
from urikake.domain.statements import StatementLine

__all__ = [
    "COMPOSITE_WEIGHTS",
    "DilutionStats",
    "RiskInput",
    "assess_risks",
    "dilution_stats",
    "features_for_model",
    "grade_for",
    "is_self_dealing",
]

COMPOSITE_WEIGHTS: Mapping[RiskKind, float] = {
    RiskKind.DEFAULT: 0.45,
    RiskKind.FRAUD: 0.25,
    RiskKind.DILUTION: 0.10,
    RiskKind.CONTRA: 0.10,
    RiskKind.COMMINGLING: 0.10,
}
#: Composite score below which each grade applies (else "E").
GRADE_BOUNDS: tuple[tuple[int, str], ...] = ((20, "A"), (30, "B"), (40, "C"), (55, "D"))

MANY_PAYERS = 30  # distinct payers a year above which tracing one payer's money is harder
YOUNG_COMPANY_YEARS = 2


def grade_for(composite: int) -> str:
    for bound, grade in GRADE_BOUNDS:
        if composite < bound:
            return grade
    return "E"


def _clamp(x: float) -> int:
    return max(0, min(100, round(x)))


def _years(since: date | None, today: date) -> float | None:
    return None if since is None else (today - since).days / 365.0


@dataclass(frozen=True, slots=True)
class RiskInput:
    """Everything :func:`assess_risks` looks at."""

    invoice: InvoiceData
    applicant: ApplicantProfile
    debtor: DebtorProfile
    reality: RealityEvidence
    product: Product
    today: date
    platform: PlatformContext = field(default_factory=PlatformContext)
    history: tuple[PriorInvoice, ...] = ()
    previous_numbers: tuple[str, ...] = ()  # earlier invoice numbers to this debtor


def is_self_dealing(
    applicant: ApplicantProfile, debtor: DebtorProfile, invoice: InvoiceData
) -> bool:
    """Whether the debtor is the applicant itself (same 法人番号 or a strong name match)."""
    a_cn = "".join(ch for ch in applicant.corporate_number if ch.isdigit())
    d_cn = "".join(
        ch for ch in (debtor.corporate_number or invoice.debtor_corporate_number) if ch.isdigit()
    )
    if a_cn and a_cn == d_cn:
        return True
    debtor_names = (*debtor.names, invoice.debtor_name)
    for a in applicant.names:
        if a.strip() and any(a.strip() == d.strip() for d in debtor_names):
            return True
        if has_kanji(a):
            continue  # partial keys: only exact text is conclusive for kanji names
        if any(name_similarity(a, d) >= STRONG_MATCH for d in debtor_names if not has_kanji(d)):
            return True
    return False


# ---------------------------------------------------------------------------------------
# Dilution statistics (also a model feature)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DilutionStats:
    invoiced: int  # yen over the prior invoices considered
    diluted: int  # yen lost to credit notes and short payments
    credit_notes: int
    short_paid: tuple[tuple[str, int, int], ...]  # (number, amount, received)
    inferred: int  # how many received amounts came from the statements
    considered: int

    @property
    def rate(self) -> float:
        return self.diluted / self.invoiced if self.invoiced else 0.0


def _infer_received(inv: PriorInvoice, deposits: Sequence[tuple[StatementLine, str]]) -> int | None:
    """The amount received for ``inv``: a deposit naming its number, else the nearest one of a
    plausible amount around its due date (``deposits``: each with its normalised text)."""
    token = normalize_invoice_number(inv.invoice_number)
    lo, hi = inv.due_date - timedelta(days=10), inv.due_date + timedelta(days=31)
    best: tuple[int, int] | None = None
    for ln, text in deposits:
        if token and len(token) >= 3 and token in text:
            return ln.amount
        if lo <= ln.value_date <= hi and inv.amount // 2 <= ln.amount <= inv.amount:
            dist = abs((ln.value_date - inv.due_date).days)
            if best is None or dist < best[0]:
                best = (dist, ln.amount)
    return None if best is None else best[1]


def dilution_stats(history: Sequence[PriorInvoice], reality: RealityEvidence) -> DilutionStats:
    invoiced = diluted = credit = inferred = considered = 0
    short: list[tuple[str, int, int]] = []
    # Each deposit's text normalised once, not once per prior invoice: a debtor with
    # hundreds of prior invoices made this the screening's largest cost.
    deposits = [
        (ln, normalize_invoice_number(ln.edi + ln.description)) for ln in reality.debtor_deposits
    ]
    for inv in history:
        received = inv.received_amount
        if received is None:
            received = _infer_received(inv, deposits)
            if received is None:
                continue  # cannot tell: neither counted as diluted nor as clean
            inferred += 1
        considered += 1
        invoiced += inv.amount
        credit += inv.credit_note_amount
        expected = inv.amount - inv.credit_note_amount
        shortfall = expected - received
        if shortfall > TRANSFER_FEE_TOLERANCE:  # a deducted 振込手数料 is no dilution
            short.append((inv.invoice_number, inv.amount, received))
            diluted += shortfall
        diluted += inv.credit_note_amount
    return DilutionStats(invoiced, diluted, credit, tuple(short), inferred, considered)


# ---------------------------------------------------------------------------------------
# The five risks
# ---------------------------------------------------------------------------------------


def _score(kind: RiskKind, value: float, reasons: list[Reason]) -> RiskScore:
    s = _clamp(value)
    return RiskScore(kind, s, level_for(s), tuple(reasons))


def _default(ri: RiskInput, model: ModelScore | None) -> RiskScore:
    r, inv, reasons = ri.reality, ri.invoice, []
    score = 20.0
    if r.strength == "strong" and r.regularity >= 0.6:
        score -= 10
        reasons.append(
            Reason(
                "default.regular_payer",
                f"売掛先から過去12か月に{r.payments_12m}回、規則的な入金があります。",
                {"payments_12m": r.payments_12m, "regularity": r.regularity},
            )
        )
    elif r.strength == "none":
        score += 20
        reasons.append(
            Reason(
                "default.no_history",
                "過去12か月の入金明細に売掛先からの入金が見当たりません。",
                {"payments_12m": 0},
            )
        )
    else:
        score += 8
        reasons.append(
            Reason(
                "default.thin_history",
                f"売掛先からの入金は過去12か月で{r.payments_12m}回と少なめです。",
                {"payments_12m": r.payments_12m, "regularity": r.regularity},
            )
        )
    if r.days_since_last_payment is not None and r.days_since_last_payment > 90:
        score += 10
        reasons.append(
            Reason(
                "default.payments_stopped",
                f"売掛先からの最後の入金から{r.days_since_last_payment}日経過しています。",
                {"days_since_last_payment": r.days_since_last_payment},
            )
        )
    if not (ri.debtor.corporate_number or inv.debtor_corporate_number):
        score += 10
        reasons.append(
            Reason("default.no_corporate_number", "売掛先の法人番号が確認できません。", {})
        )
    age = _years(ri.debtor.established, ri.today)
    if age is not None and age < YOUNG_COMPANY_YEARS:
        score += 10
        reasons.append(
            Reason(
                "default.young_debtor",
                "売掛先の設立から2年未満です。",
                {"debtor_age_years": round(age, 2)},
            )
        )
    if ri.debtor.prior_defaults > 0:
        score += 40
        reasons.append(
            Reason(
                "default.prior_defaults",
                f"売掛先に当プラットフォームでの支払遅延・不払いの記録が{ri.debtor.prior_defaults}件あります。",
                {"prior_defaults": ri.debtor.prior_defaults},
            )
        )
    if r.concentration >= 0.5:
        score += 10
        reasons.append(
            Reason(
                "default.concentration",
                f"申込者の入金の{r.concentration:.0%}がこの売掛先からで、依存度が高い状態です。",
                {"concentration": round(r.concentration, 4)},
            )
        )
    p = ri.platform
    after = p.debtor_exposure_yen + inv.total_amount
    if p.debtor_exposure_limit_yen > 0:
        if after > p.debtor_exposure_limit_yen:
            score += 35
            reasons.append(
                Reason(
                    "default.exposure_limit",
                    f"この売掛先への当社の与信額が上限（{p.debtor_exposure_limit_yen:,}円）を超えます"
                    f"（買取後 {after:,}円）。",
                    {"exposure_after_yen": after, "limit_yen": p.debtor_exposure_limit_yen},
                )
            )
        elif after * 5 > p.debtor_exposure_limit_yen * 4:
            score += 10
            reasons.append(
                Reason(
                    "default.exposure_near_limit",
                    f"この売掛先への当社の与信額が上限の80%を超えます（買取後 {after:,}円）。",
                    {"exposure_after_yen": after, "limit_yen": p.debtor_exposure_limit_yen},
                )
            )
    term = (inv.due_date - ri.today).days
    if term > 90:
        score += 5
        reasons.append(
            Reason("default.long_term", f"支払期日まで{term}日と長めです。", {"term_days": term})
        )
    if model is not None:
        model_points = 100.0 * min(1.0, max(0.0, model.probability))
        score = 0.5 * score + 0.5 * model_points
        reasons.append(
            Reason(
                "default.model",
                f"スコアリングモデルの推定デフォルト確率は{model.probability:.1%}（グレード{model.grade}）です。",
                {
                    "probability": model.probability,
                    "grade": model.grade,
                    "model_reasons": model.reasons,
                },
            )
        )
    return _score(RiskKind.DEFAULT, score, reasons)


_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")


def _sequence_check(number: str, previous: Sequence[str]) -> Reason | None:
    this = normalize_invoice_number(number)
    prev = [normalize_invoice_number(n) for n in previous if n.strip()]
    if not prev or not this:
        return None
    if this in prev:
        return Reason(
            "fraud.number_reused",
            f"請求書番号「{number}」は同じ売掛先宛ての過去の請求書で既に使われています。",
            {"invoice_number": number},
        )
    m = _TRAILING_DIGITS.match(this)
    if m is None:
        return None
    same_series = [
        int(pm.group(2))
        for p in prev
        if (pm := _TRAILING_DIGITS.match(p)) and pm.group(1) == m.group(1)
    ]
    if same_series and int(m.group(2)) < max(same_series):
        return Reason(
            "fraud.number_out_of_sequence",
            f"請求書番号「{number}」が同じ売掛先宛ての過去の請求書番号"
            f"（最大 {max(same_series)}）より前の番号です。",
            {"invoice_number": number, "max_previous": max(same_series)},
        )
    return None


def _fraud(ri: RiskInput, dkey: str) -> RiskScore:
    inv, r, reasons = ri.invoice, ri.reality, []
    parts: list[float] = []
    if is_self_dealing(ri.applicant, ri.debtor, inv):
        parts.append(100)
        reasons.append(Reason("fraud.self_dealing", "売掛先が申込者自身です。", {}))
    fp = invoice_fingerprint(inv, dkey)
    if fp in ri.platform.existing_fingerprints:
        parts.append(100)
        reasons.append(
            Reason(
                "fraud.double_assignment",
                "既に他の申込みで譲渡対象になっている請求書と一致しました。",
                {"fingerprint": fp},
            )
        )
    else:
        near = near_duplicate_keys(inv, dkey) & ri.platform.existing_near_keys
        if near:
            kinds = tuple(sorted(k.split(":", 1)[0] for k in near))
            parts.append(55)
            reasons.append(
                Reason(
                    "fraud.near_duplicate",
                    "他の申込みに、同じ売掛先・金額・支払期日または同じ請求書番号の請求書があります。",
                    {"matched": kinds},
                )
            )
    if r.paid_confirmed:
        parts.append(95)
        reasons.append(
            Reason(
                "fraud.already_paid",
                "この請求書番号を含む同額の入金が既に売掛先からあり、支払済みと判断されます。",
                {"lines": r.paid_line_keys},
            )
        )
    elif r.possibly_paid and r.recurring_same_amount < 2:
        parts.append(80)
        reasons.append(
            Reason(
                "fraud.possibly_paid",
                "請求日以降に売掛先から請求額と同額の入金があり、既に支払済みの可能性があります。",
                {"lines": r.paid_line_keys},
            )
        )
    elif r.possibly_paid:
        parts.append(45)
        reasons.append(
            Reason(
                "fraud.possibly_paid_recurring",
                "請求日以降に同額の入金がありますが、毎回同額の定期的な入金のため前回分の可能性があります。",
                {"lines": r.paid_line_keys, "recurring_same_amount": r.recurring_same_amount},
            )
        )
    seq = _sequence_check(
        inv.invoice_number, (*ri.previous_numbers, *(h.invoice_number for h in ri.history))
    )
    if seq is not None:
        parts.append(70 if seq.code == "fraud.number_reused" else 40)
        reasons.append(seq)
    if r.payments_12m == 0:
        parts.append(40)
        reasons.append(
            Reason(
                "fraud.existence_unverified",
                "入金明細から売掛先との取引実態を確認できません。",
                {"best_name_score": round(r.best_score, 3)},
            )
        )
    elif r.amount_ratio is not None and r.amount_ratio > 3.0:
        parts.append(35)
        reasons.append(
            Reason(
                "fraud.amount_outlier",
                f"請求額が売掛先からの通常の入金額（中央値 {r.median_amount:,}円）の"
                f"{r.amount_ratio:.1f}倍です。",
                {"median_amount": r.median_amount, "amount_ratio": round(r.amount_ratio, 3)},
            )
        )
    if not parts:
        return _score(
            RiskKind.FRAUD, 5, [Reason("fraud.none", "不正の兆候は見つかりませんでした。", {})]
        )
    return _score(RiskKind.FRAUD, max(parts) + 5 * (len(parts) - 1), reasons)


def _dilution(ri: RiskInput, stats: DilutionStats) -> RiskScore:
    if stats.considered == 0:
        return _score(
            RiskKind.DILUTION,
            20,
            [
                Reason(
                    "dilution.no_history",
                    "過去の請求と入金の実績がなく、減額の傾向を判断できません。",
                    {},
                )
            ],
        )
    reasons = [
        Reason(
            "dilution.rate",
            f"過去{stats.considered}件の請求に対する返品・値引・入金不足の割合は{stats.rate:.1%}です。",
            {
                "invoiced_yen": stats.invoiced,
                "diluted_yen": stats.diluted,
                "credit_notes_yen": stats.credit_notes,
                "inferred_from_statements": stats.inferred,
            },
        )
    ]
    for number, amount, received in stats.short_paid:
        reasons.append(
            Reason(
                "dilution.short_payment",
                f"請求書「{number}」（{amount:,}円）に対する入金は{received:,}円でした。",
                {"invoice_number": number, "amount": amount, "received": received},
            )
        )
    return _score(RiskKind.DILUTION, 5 + 1000 * stats.rate, reasons)


def _contra(ri: RiskInput) -> RiskScore:
    r = ri.reality
    if r.contra_count_12m == 0:
        return _score(
            RiskKind.CONTRA,
            0,
            [Reason("contra.none", "申込者から売掛先への支払（反対債権の兆候）はありません。", {})],
        )
    share = r.contra_total_12m / r.total_received_12m if r.total_received_12m else 1.0
    return _score(
        RiskKind.CONTRA,
        30 + 70 * min(1.0, share),
        [
            Reason(
                "contra.payments_to_debtor",
                f"申込者は過去12か月に売掛先へ{r.contra_count_12m}回・計{r.contra_total_12m:,}円を支払っており"
                f"（売掛先からの入金の{share:.0%}）、相殺される可能性があります。",
                {
                    "count": r.contra_count_12m,
                    "total_yen": r.contra_total_12m,
                    "share": round(share, 4),
                    "lines": r.contra_line_keys,
                },
            )
        ],
    )


def _commingling(ri: RiskInput) -> RiskScore:
    r, a = ri.reality, ri.applicant
    if not spec(ri.product).client_forwards:
        return _score(
            RiskKind.COMMINGLING,
            5,
            [
                Reason(
                    "commingling.three_party", "3社間取引のため、売掛先は当社へ直接支払います。", {}
                )
            ],
        )
    score = 40.0
    reasons = [
        Reason(
            "commingling.two_party",
            "2社間取引のため、売掛先からの入金は申込者の口座を経由してから当社へ送金されます。",
            {},
        )
    ]
    if r.distinct_payers_12m >= MANY_PAYERS:
        score += 10
        reasons.append(
            Reason(
                "commingling.many_payers",
                f"申込者の口座には{r.distinct_payers_12m}社から入金があり、資金の流れを追いにくくなります。",
                {"distinct_payers_12m": r.distinct_payers_12m},
            )
        )
    age = _years(a.established, ri.today)
    if age is None:
        score += 5
        reasons.append(Reason("commingling.age_unknown", "申込者の設立日が不明です。", {}))
    elif age < YOUNG_COMPANY_YEARS:
        score += 15
        reasons.append(
            Reason(
                "commingling.young_applicant",
                "申込者の設立から2年未満です。",
                {"applicant_age_years": round(age, 2)},
            )
        )
    if a.forwarding_late > 0:
        score += 25
        reasons.append(
            Reason(
                "commingling.late_forwarding",
                f"過去の2社間取引で回収金の送金遅延が{a.forwarding_late}件あります。",
                {"late": a.forwarding_late, "on_time": a.forwarding_on_time},
            )
        )
    elif a.forwarding_on_time == 0:
        score += 10
        reasons.append(
            Reason(
                "commingling.no_forwarding_history",
                "回収金を期日どおり送金した実績がまだありません。",
                {},
            )
        )
    else:
        score -= 10
        reasons.append(
            Reason(
                "commingling.forwarding_record",
                f"過去{a.forwarding_on_time}件、回収金を期日どおり送金しています。",
                {"on_time": a.forwarding_on_time},
            )
        )
    return _score(RiskKind.COMMINGLING, score, reasons)


def features_for_model(
    ri: RiskInput, stats: DilutionStats | None = None
) -> dict[str, float | str | None]:
    """The feature dict given to a :class:`ScoreProvider` (None where unknown)."""
    stats = dilution_stats(ri.history, ri.reality) if stats is None else stats
    r = ri.reality
    age = _years(ri.debtor.established, ri.today)
    return {
        "debtor_age_years": None if age is None else round(age, 3),
        # A statistical model's feature, not a payment: float is what the model takes.
        # nosemgrep: money-no-float
        "invoice_amount_yen": float(ri.invoice.total_amount),
        "term_days": float((ri.invoice.due_date - ri.today).days),
        "payments_12m": float(r.payments_12m),
        "payment_regularity": r.regularity,
        "days_since_last_payment": None
        if r.days_since_last_payment is None
        else float(r.days_since_last_payment),
        "concentration": r.concentration,
        "dilution_rate": stats.rate if stats.considered else None,
        "contra_flag": 1.0 if r.contra_count_12m else 0.0,
        "two_party_flag": 1.0 if spec(ri.product).client_forwards else 0.0,
        "prior_defaults": float(ri.debtor.prior_defaults),
        "product": ri.product.value,
    }


def assess_risks(ri: RiskInput, *, score_provider: ScoreProvider | None = None) -> RiskAssessment:
    """Score the five risks; the composite (weighted) gives the grade A–E."""
    stats = dilution_stats(ri.history, ri.reality)
    model = (
        score_provider.score(features_for_model(ri, stats)) if score_provider is not None else None
    )
    dkey = debtor_key(ri.invoice, ri.debtor.names)
    scores = (
        _default(ri, model),
        _fraud(ri, dkey),
        _dilution(ri, stats),
        _contra(ri),
        _commingling(ri),
    )
    composite = _clamp(sum(COMPOSITE_WEIGHTS[s.kind] * s.score for s in scores))
    return RiskAssessment(scores, composite, grade_for(composite))
