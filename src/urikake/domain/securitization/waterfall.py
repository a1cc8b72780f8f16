"""The monthly payment waterfall of a senior / (mezzanine) / subordinated structure.

Every array is *scenarios × periods* and every step is one vectorised operation across the
scenarios, so 10,000 scenarios × 12 months is a dozen NumPy passes, not 120,000 loops.

Each period:

1. **Available funds** = collections (scheduled payments of the receivables due that month
   minus those that defaulted) − dilution (returns, discounts and set-offs, as a rate of
   collections) + recoveries (the non-lost part of defaulted receivables, ``recovery_lag``
   months after the default).
2. **Trust fee** (信託報酬) on the outstanding senior and mezzanine balance, then the **trust
   dividend** (信託配当: the senior interest, TIBOR + spread) and the mezzanine interest;
   unpaid interest is carried forward.
3. **Principal, sequential**: the notes are paid the month's principal due (the receivables
   that fell due, paid or defaulted, plus any principal due still unpaid), senior first, then
   mezzanine; what is left is released to the **subordinated** holder.
4. **Trigger**: once cumulative defaults exceed ``trigger`` × the initial balance, the
   structure switches to **full turbo** for good — everything left after fees and interest
   pays down senior, then mezzanine; nothing is released to the subordinated holder until
   both are repaid.

After the last period a note's unpaid principal is its loss. All amounts are whole yen:
fees, interest and dilution are truncated (円未満切捨て, ``np.floor`` on non-negative
amounts). The seed's example (¥100,000,000, senior 80 %, losses of ¥10,000,000 and
¥25,000,000) is a one-period waterfall with no fees: the senior holder receives ¥80,000,000
and ¥75,000,000, the subordinated holder ¥10,000,000 and ¥0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np

from urikake.domain.errors import DomainError

__all__ = ["TrancheSpec", "WaterfallResult", "WaterfallTerms", "run_waterfall", "tranche_specs"]


@dataclass(frozen=True)
class TrancheSpec:
    """A tranche as a slice ``[attachment, detachment]`` of the pool (fractions)."""

    name: str
    attachment: float
    detachment: float
    annual_rate: float = 0.0  # interest (for the senior: the trust dividend)

    @property
    def width(self) -> float:
        return self.detachment - self.attachment


def tranche_specs(
    senior: float,
    mezzanine: float = 0.0,
    *,
    senior_rate: float = 0.0,
    mezzanine_rate: float = 0.0,
) -> tuple[TrancheSpec, ...]:
    """Senior on top, optional mezzanine below it, subordinated at the bottom."""
    if not 0.0 < senior <= 1.0:
        raise DomainError(
            "securitization.senior_out_of_range",
            "優先部分の割合は0より大きく1以下で指定してください。",
            field="senior",
        )
    if not 0.0 <= mezzanine < 1.0 or senior + mezzanine > 1.0 + 1e-12:
        raise DomainError(
            "securitization.mezzanine_out_of_range",
            "メザニン部分の割合は0以上で、優先部分との合計が1以下になるよう指定してください。",
            field="mezzanine",
        )
    sub = 1.0 - senior - mezzanine
    out = [TrancheSpec("senior", 1.0 - senior, 1.0, senior_rate)]
    if mezzanine > 0:
        out.append(TrancheSpec("mezzanine", sub, sub + mezzanine, mezzanine_rate))
    if sub > 1e-12:
        out.append(TrancheSpec("subordinated", 0.0, sub))
    return tuple(out)


@dataclass(frozen=True)
class WaterfallTerms:
    trust_fee_rate: float = 0.0  # annual, on the outstanding senior + mezzanine balance
    dilution_rate: float = 0.0  # share of collections lost to dilution
    recovery_lag: int = 0  # months between a default and its recovery
    trigger: float | None = None  # cumulative default ratio that switches to full turbo
    periods_per_year: int = 12


@dataclass(frozen=True, eq=False)
class WaterfallResult:
    periods: int
    face: dict[str, int]
    interest: dict[str, np.ndarray] = field(default_factory=dict)  # (S, T)
    principal: dict[str, np.ndarray] = field(default_factory=dict)  # (S, T)
    trust_fee: np.ndarray | None = None  # (S, T)
    collections: np.ndarray | None = None
    dilution: np.ndarray | None = None
    recoveries: np.ndarray | None = None
    defaults: np.ndarray | None = None
    turbo: np.ndarray | None = None  # (S, T) bool: trigger hit

    def received(self, name: str) -> np.ndarray:
        return np.asarray(self.interest[name].sum(axis=1) + self.principal[name].sum(axis=1))

    def loss(self, name: str) -> np.ndarray:
        """Unpaid principal at the end (the subordinated: face − everything received)."""
        if name == "subordinated":
            return np.asarray(np.maximum(self.face[name] - self.received(name), 0))
        return np.asarray(self.face[name] - self.principal[name].sum(axis=1))

    def wal_months(self, name: str) -> np.ndarray:
        """Weighted average life in months of the principal actually paid, per scenario."""
        paid = self.principal[name]
        months = np.arange(1, self.periods + 1)
        total = paid.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (paid * months).sum(axis=1) / total, np.nan)


def _point(balance: int, fraction: float) -> int:
    # A point given to 9 decimals (so 1 − 0.8 is 0.2, not 0.19999999999999996), in whole
    # yen rounded down (切捨て); the tranches then sum exactly to the pool balance.
    return math.floor(balance * Fraction(Decimal(f"{fraction:.9f}")))


def _face(balance: int, spec: TrancheSpec) -> int:
    return _point(balance, spec.detachment) - _point(balance, spec.attachment)


def run_waterfall(
    balance: int,
    scheduled: np.ndarray,
    defaults: np.ndarray,
    recoveries: np.ndarray,
    tranches: tuple[TrancheSpec, ...],
    terms: WaterfallTerms = WaterfallTerms(),
) -> WaterfallResult:
    """Run the waterfall. ``scheduled`` is (T,) yen due per month; ``defaults`` and
    ``recoveries`` are (S, T) by month of default (recoveries arrive ``recovery_lag`` later)."""
    defaults = np.atleast_2d(np.asarray(defaults, dtype=np.int64))
    recoveries = np.atleast_2d(np.asarray(recoveries, dtype=np.int64))
    scheduled = np.asarray(scheduled, dtype=np.int64)
    s, t0 = defaults.shape
    if scheduled.shape != (t0,) or recoveries.shape != defaults.shape:
        raise DomainError("securitization.shape", "キャッシュフローの期間数が一致しません。")
    lag = terms.recovery_lag
    periods = t0 + lag
    pad = np.zeros((s, periods), dtype=np.int64)
    due = np.zeros(periods, dtype=np.int64)
    due[:t0] = scheduled
    dflt = pad.copy()
    dflt[:, :t0] = defaults
    rec = pad.copy()
    rec[:, lag : lag + t0] = recoveries
    collections = due[None, :] - dflt
    dilution = np.floor(collections * terms.dilution_rate).astype(np.int64)
    available_all = collections - dilution + rec

    names = [x.name for x in tranches]
    face = {x.name: _face(balance, x) for x in tranches}
    notes = [x for x in tranches if x.name != "subordinated"]
    bal = {x.name: np.full(s, face[x.name], dtype=np.int64) for x in notes}
    arrears = {x.name: np.zeros(s, dtype=np.int64) for x in notes}
    interest = {n: np.zeros((s, periods), dtype=np.int64) for n in names}
    principal = {n: np.zeros((s, periods), dtype=np.int64) for n in names}
    fee = np.zeros((s, periods), dtype=np.int64)
    turbo_hist = np.zeros((s, periods), dtype=bool)
    principal_due = np.zeros(s, dtype=np.int64)
    cum_default = np.zeros(s, dtype=np.int64)
    turbo = np.zeros(s, dtype=bool)
    per_year = terms.periods_per_year

    for t in range(periods):
        cash = available_all[:, t].copy()
        outstanding = sum((bal[x.name] for x in notes), np.zeros(s, dtype=np.int64))
        fee_t = np.minimum(
            np.floor(outstanding * terms.trust_fee_rate / per_year).astype(np.int64), cash
        )
        fee[:, t] = fee_t
        cash -= fee_t
        for x in notes:
            owed = np.floor(bal[x.name] * x.annual_rate / per_year).astype(np.int64)
            owed += arrears[x.name]
            paid = np.minimum(owed, cash)
            interest[x.name][:, t] = paid
            arrears[x.name] = owed - paid
            cash -= paid
        cum_default += dflt[:, t]
        if terms.trigger is not None:
            turbo |= cum_default > terms.trigger * balance
        turbo_hist[:, t] = turbo
        principal_due += due[t]
        last = t == periods - 1
        for x in notes:
            # Sequential: the month's principal due; in full turbo (or at the end) all cash.
            cap = np.where(turbo | last, cash, np.minimum(cash, principal_due))
            paid = np.minimum(cap, bal[x.name])
            principal[x.name][:, t] = paid
            bal[x.name] -= paid
            cash -= paid
            principal_due = np.maximum(principal_due - paid, 0)
        if "subordinated" in face:
            # Released to the subordinated holder (held back while turbo lasts).
            release = np.where(turbo & (sum(bal.values(), np.zeros(s, np.int64)) > 0), 0, cash)
            principal["subordinated"][:, t] = release
            cash -= release
        if not last:
            available_all[:, t + 1] += cash  # cash trapped by the trigger carries over
    return WaterfallResult(
        periods=periods,
        face=face,
        interest=interest,
        principal=principal,
        trust_fee=fee,
        collections=collections,
        dilution=dilution,
        recoveries=rec,
        defaults=dflt,
        turbo=turbo_hist,
    )
