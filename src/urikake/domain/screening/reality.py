"""Transaction reality (取引実態): has this debtor really been paying this applicant?

The applicant's bank statements are scanned once: every deposit's 振込依頼人名 is scored
against the debtor's names (name plus kana readings) with
:func:`~urikake.domain.name_matching.name_similarity` (``truncated_at=48``, the width of
振込依頼人名 in 入出金取引明細). Scores are computed once per distinct counterparty string,
so 3,000 lines from 100 payers cost 100 comparisons per debtor name.

Within the last 12 months (``today − 365 days`` exclusive to ``today`` inclusive) it
reports how often and how regularly the debtor paid, how much, the lines that matched,
withdrawals to the debtor (contra), the debtor's share of all deposits (concentration) and
whether this very invoice seems to have been paid already.

Debtor names containing kanji are not matched (their keys are partial: 株式会社ヤマダ商事 →
ﾔﾏﾀﾞ would match every ﾔﾏﾀﾞ); pass the kana reading. A debtor known only by a kanji name
therefore shows no history, and the decision refers it to a person.

Statements are indexed once per (statement objects, day) and the index is reused for the
other invoices of the same application (:func:`cached_index`, 8 entries).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from urikake.domain.invoices import InvoiceData
from urikake.domain.name_matching import (
    POSSIBLE_MATCH,
    STRONG_MATCH,
    name_similarity,
    normalize_name,
)
from urikake.domain.screening.fingerprints import has_kanji, normalize_invoice_number
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine

__all__ = [
    "LOOKBACK_DAYS",
    "TRANSFER_FEE_TOLERANCE",
    "ZENGIN_PAYER_WIDTH",
    "PayerMatch",
    "RealityEvidence",
    "StatementIndex",
    "assess_reality",
    "cached_index",
    "clear_index_cache",
    "index_statements",
]

ZENGIN_PAYER_WIDTH = 48  # 振込依頼人名 in 入出金取引明細 (bytes = half-width characters)
LOOKBACK_DAYS = 365
#: A payer may deduct the transfer fee (振込手数料先方負担差引): a deposit this much short of
#: an invoice still counts as paying it. 880円 is the highest common 他行宛 fee for 3万円以上.
TRANSFER_FEE_TOLERANCE = 880
#: Spread (mean circular distance in days) of the payment day at which the day part of the
#: regularity score reaches 0.
_DAY_SPREAD_ZERO = 7.0


@dataclass(frozen=True, slots=True)
class PayerMatch:
    """A distinct counterparty string that matched one of the debtor's names."""

    counterparty: str
    debtor_name: str
    score: float
    strong: bool
    lines: int


@dataclass(frozen=True, slots=True)
class RealityEvidence:
    window_start: date  # exclusive
    window_end: date  # inclusive (= today)
    payments_12m: int
    months_with_payment: int
    total_received_12m: int  # yen from the debtor (strong matches)
    median_amount: int | None  # lower median of the debtor's deposits (yen)
    invoice_amount: int
    amount_ratio: float | None  # invoice amount ÷ median amount
    typical_day_of_month: int | None
    typical_interval_days: int | None
    regularity: float  # 0.0 (none/erratic) … 1.0 (same day, same interval)
    last_payment_date: date | None
    days_since_last_payment: int | None
    matched_line_keys: tuple[str, ...]  # strong matches (StatementLine.key())
    possible_line_keys: tuple[str, ...]  # POSSIBLE_MATCH ≤ score < STRONG_MATCH
    payers: tuple[PayerMatch, ...]  # best first
    best_score: float
    deposit_count_12m: int  # all deposits in the window
    total_deposits_12m: int  # yen
    distinct_payers_12m: int
    concentration: float  # debtor's share of the deposited yen in the window (0–1)
    contra_line_keys: tuple[str, ...]  # withdrawals to the debtor
    contra_count_12m: int
    contra_total_12m: int  # yen paid by the applicant to the debtor
    possibly_paid: bool  # a deposit of this amount from the debtor on/after the issue date
    paid_confirmed: bool  # ... whose EDI/摘要 carries the invoice number
    paid_line_keys: tuple[str, ...]
    recurring_same_amount: int  # earlier deposits (before issue) of exactly this amount
    debtor_deposits: tuple[StatementLine, ...]  # all strong-match deposits (any date)

    @property
    def strength(self) -> str:
        """``"strong"`` (regular history), ``"weak"`` (some) or ``"none"``."""
        if self.payments_12m >= 6 and self.months_with_payment >= 6:
            return "strong"
        if self.payments_12m > 0:
            return "weak"
        return "none"


def _identity(line: StatementLine) -> tuple[object, ...]:
    # The fields of line.key() without hashing them (and the enum's value, cheaper to hash).
    return (
        line.value_date,
        line.direction.value,
        line.amount,
        line.counterparty,
        line.description,
        line.reference,
        line.balance_after,
        line.occurrence,  # identical lines of one statement are separate movements
    )


def unique_lines(statements: Iterable[Statement]) -> list[StatementLine]:
    """Every line once, even when statements overlap (same movement in two imports)."""
    seen: set[tuple[object, ...]] = set()
    out: list[StatementLine] = []
    for st in statements:
        for line in st.lines:
            ident = _identity(line)
            if ident not in seen:
                seen.add(ident)
                out.append(line)
    return out


@dataclass(frozen=True, slots=True)
class StatementIndex:
    """An applicant's statements prepared once for screening all of its invoices.

    Lines are deduplicated and grouped by counterparty string, so that each invoice only
    scores the distinct counterparties against its debtor and touches the matched lines.
    The window totals (all deposits, distinct payers) do not depend on the debtor.
    """

    today: date
    window_start: date
    by_counterparty: tuple[tuple[str, tuple[StatementLine, ...]], ...]
    deposit_count_12m: int
    total_deposits_12m: int
    distinct_payers_12m: int


def index_statements(statements: Sequence[Statement], *, today: date) -> StatementIndex:
    window_start = today - timedelta(days=LOOKBACK_DAYS)
    groups: dict[str, list[StatementLine]] = {}
    payer_keys: set[str] = set()
    count = total = 0
    deposit = Direction.DEPOSIT
    for line in unique_lines(statements):
        cp = line.counterparty
        group = groups.get(cp)
        if group is None:
            group = groups[cp] = []
        group.append(line)
        if line.direction is deposit and window_start < line.value_date <= today:
            count += 1
            total += line.amount
    for cp, group in groups.items():
        if any(ln.direction is deposit and window_start < ln.value_date <= today for ln in group):
            payer_keys.add(normalize_name(cp).key or cp)
    return StatementIndex(
        today=today,
        window_start=window_start,
        by_counterparty=tuple((cp, tuple(g)) for cp, g in groups.items()),
        deposit_count_12m=count,
        total_deposits_12m=total,
        distinct_payers_12m=len(payer_keys),
    )


_INDEX_CACHE_SIZE = 8
# (ids of the statements, today) → (the statements, kept alive so that ids stay theirs; index)
_index_cache: dict[tuple[tuple[int, ...], date], tuple[tuple[Statement, ...], StatementIndex]] = {}


def clear_index_cache() -> None:
    """Forget the indexed statements (benchmarks; memory)."""
    _index_cache.clear()


def cached_index(statements: Sequence[Statement], *, today: date) -> StatementIndex:
    """:func:`index_statements`, reused while the same statement objects are screened.

    Screening an application's ten invoices indexes its statements once. Statements are
    immutable, and the cache holds them, so an id cannot be reused for other content
    while its entry lives.
    """
    held = tuple(statements)
    key = (tuple(map(id, held)), today)
    hit = _index_cache.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], held, strict=True)):
        return hit[1]
    index = index_statements(held, today=today)
    if len(_index_cache) >= _INDEX_CACHE_SIZE:
        _index_cache.pop(next(iter(_index_cache)))
    _index_cache[key] = (held, index)
    return index


def _best_match(counterparty: str, debtor_names: Sequence[str]) -> tuple[float, str]:
    best, best_name = 0.0, ""
    for name in debtor_names:
        s = name_similarity(counterparty, name, truncated_at=ZENGIN_PAYER_WIDTH)
        if s > best:
            best, best_name = s, name
    return best, best_name


def _circular_distance(a: int, b: int, cycle: int = 31) -> int:
    d = abs(a - b) % cycle
    return min(d, cycle - d)


def _regularity(dates: Sequence[date]) -> tuple[float, int | None, int | None]:
    """(score, typical day of month, typical interval in days) from distinct payment dates."""
    if not dates:
        return 0.0, None, None
    days = [d.day for d in dates]
    # The medoid on a 31-day circle: month-end payers (30th, 31st, 1st) stay together.
    typical_day = min(sorted(set(days)), key=lambda c: sum(_circular_distance(c, x) for x in days))
    if len(dates) < 2:
        return 0.0, typical_day, None
    spread = sum(_circular_distance(typical_day, x) for x in days) / len(days)
    day_score = max(0.0, 1.0 - spread / _DAY_SPREAD_ZERO)
    intervals = [(b - a).days for a, b in itertools.pairwise(dates)]
    typical_interval = int(statistics.median_low(intervals))
    if len(intervals) < 2:
        return 0.5 * day_score, typical_day, typical_interval
    mean = statistics.fmean(intervals)
    cv = statistics.pstdev(intervals) / mean if mean > 0 else 1.0
    interval_score = max(0.0, 1.0 - cv)
    return 0.5 * day_score + 0.5 * interval_score, typical_day, typical_interval


def _all_lines(index: StatementIndex) -> tuple[StatementLine, ...]:
    return tuple(ln for _, group in index.by_counterparty for ln in group)


def assess_reality(
    debtor_names: Sequence[str],
    invoice: InvoiceData,
    statements: Sequence[Statement] | StatementIndex,
    *,
    today: date,
) -> RealityEvidence:
    """Evidence from the applicant's statements that the debtor really pays the applicant."""
    # Names with kanji convert only partly (株式会社ヤマダ商事 → ﾔﾏﾀﾞ) and would match every
    # ﾔﾏﾀﾞ; only kana/latin names (the readings) are matched against bank payer names.
    names = tuple(
        dict.fromkeys(
            n for n in (*debtor_names, invoice.debtor_name) if n.strip() and not has_kanji(n)
        )
    )
    index = (
        statements
        if isinstance(statements, StatementIndex)
        else cached_index(statements, today=today)
    )
    if index.today != today:
        index = index_statements(
            [Statement(SourceFormat.BANK_API, "", "", None, "", "", None, None, _all_lines(index))],
            today=today,
        )
    window_start = index.window_start

    scores: dict[str, tuple[float, str]] = {}
    strong_counts: dict[str, int] = {}
    debtor_deposits: list[StatementLine] = []
    matched: list[StatementLine] = []
    possible: list[StatementLine] = []
    contra: list[StatementLine] = []
    deposit = Direction.DEPOSIT

    for cp, group in index.by_counterparty:
        score = (scores.setdefault(cp, _best_match(cp, names)))[0]
        if score < POSSIBLE_MATCH:
            continue
        for line in group:
            in_window = window_start < line.value_date <= today
            if line.direction is deposit:
                if score >= STRONG_MATCH:
                    debtor_deposits.append(line)
                    strong_counts[cp] = strong_counts.get(cp, 0) + 1
                    if in_window:
                        matched.append(line)
                elif in_window:
                    possible.append(line)
            elif in_window and score >= STRONG_MATCH:
                contra.append(line)
    deposit_total = index.total_deposits_12m

    matched.sort(key=lambda ln: ln.value_date)
    debtor_deposits.sort(key=lambda ln: ln.value_date)
    amounts = [ln.amount for ln in matched]
    received = sum(amounts)
    median_amount = int(statistics.median_low(amounts)) if amounts else None
    pay_dates = sorted({ln.value_date for ln in matched})
    regularity, typical_day, typical_interval = _regularity(pay_dates)
    last = pay_dates[-1] if pay_dates else None

    # Already paid? A deposit of this amount (or short by a transfer fee) on/after issue.
    amount = invoice.total_amount
    token = normalize_invoice_number(invoice.invoice_number)
    paid: list[StatementLine] = []
    confirmed = False
    for ln in debtor_deposits:
        if ln.value_date < invoice.issue_date or ln.value_date > today:
            continue
        if amount - TRANSFER_FEE_TOLERANCE <= ln.amount <= amount:
            paid.append(ln)
            text = normalize_invoice_number(ln.edi + ln.description)
            if token and len(token) >= 3 and token in text:
                confirmed = True
    recurring = sum(
        1 for ln in debtor_deposits if ln.value_date < invoice.issue_date and ln.amount == amount
    )

    payers = sorted(
        (
            PayerMatch(cp, nm, sc, sc >= STRONG_MATCH, strong_counts.get(cp, 0))
            for cp, (sc, nm) in scores.items()
            if sc >= POSSIBLE_MATCH
        ),
        key=lambda p: (-p.score, p.counterparty),
    )
    return RealityEvidence(
        window_start=window_start,
        window_end=today,
        payments_12m=len(matched),
        months_with_payment=len({(ln.value_date.year, ln.value_date.month) for ln in matched}),
        total_received_12m=received,
        median_amount=median_amount,
        invoice_amount=amount,
        amount_ratio=(amount / median_amount) if median_amount else None,
        typical_day_of_month=typical_day,
        typical_interval_days=typical_interval,
        regularity=round(regularity, 4),
        last_payment_date=last,
        days_since_last_payment=(today - last).days if last else None,
        matched_line_keys=tuple(ln.key() for ln in matched),
        possible_line_keys=tuple(ln.key() for ln in possible),
        payers=tuple(payers),
        best_score=max((sc for sc, _ in scores.values()), default=0.0),
        deposit_count_12m=index.deposit_count_12m,
        total_deposits_12m=deposit_total,
        distinct_payers_12m=index.distinct_payers_12m,
        concentration=(received / deposit_total) if deposit_total else 0.0,
        contra_line_keys=tuple(ln.key() for ln in contra),
        contra_count_12m=len(contra),
        contra_total_12m=sum(ln.amount for ln in contra),
        possibly_paid=bool(paid),
        paid_confirmed=confirmed,
        paid_line_keys=tuple(ln.key() for ln in paid),
        recurring_same_amount=recurring,
        debtor_deposits=tuple(debtor_deposits),
    )
