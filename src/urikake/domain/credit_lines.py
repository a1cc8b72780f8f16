"""Per-client credit lines (限度額): where they start, how they grow, what they allow.

The rules, with their numbers in :class:`CreditLinePolicy` (one place to change them):

* **Start** — the first approved screening sets the line: the approved face value times a
  multiple for the risk grade (A ×3, B ×2.5, C ×2, D ×1.5, E ×1), rounded **down** to the
  ¥10,000 unit (``Rounding.TRUNCATE``), never below the approved amount itself and never
  above the cap (¥50,000,000). A declined application starts no line.
* **Growth** (seed 003: 限度額を増やす) — each deal settled on time (not defaulted, collected
  no later than ``grace_days`` after its latest due date) adds ``growth_rate`` (10%) of its
  settled face value, rounded down to ¥10,000, up to the cap. A late settlement leaves the
  line where it is, and says so.
* **By hand** — a reviewer may set the line (0 to the cap) with a written reason
  (:func:`manual_line`).
* **Use** — the available line is the line minus the face value of the client's open deals
  (submitted, in screening, offered, referred, accepted, contracted, funded, defaulted). A
  deal above the available line is referred to a reviewer with the reason
  (:func:`check_against_line`): it is not priced away silently, and not refused outright,
  because a reviewer may know more (a new debtor, a larger contract).

Every change is a :class:`LineChange` with its reason in Japanese; the services store each
one as history and audit it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from urikake.domain.errors import DomainError
from urikake.domain.money import Rounding, apply_rate, format_rate_percent, format_yen

__all__ = [
    "CreditLinePolicy",
    "LineChange",
    "LineCheck",
    "check_against_line",
    "growth_on_settlement",
    "initial_line",
    "manual_line",
    "reason_in_english",
    "settled_on_time",
]


def _default_multiples() -> dict[str, Decimal]:
    return {
        "A": Decimal("3"),
        "B": Decimal("2.5"),
        "C": Decimal("2"),
        "D": Decimal("1.5"),
        "E": Decimal("1"),
    }


@dataclass(frozen=True, slots=True)
class CreditLinePolicy:
    grade_multiples: dict[str, Decimal] = field(default_factory=_default_multiples)
    cap_yen: int = 50_000_000
    unit_yen: int = 10_000  # lines move in ¥10,000 steps (rounded down)
    growth_rate: Decimal = Decimal("0.10")  # of the settled face, per on-time settlement
    grace_days: int = 7  # a settlement this many days after the latest due date is on time


@dataclass(frozen=True, slots=True)
class LineChange:
    """A new line amount and why (``reason`` is shown to the client on my page)."""

    previous: int
    amount: int
    code: str  # credit_line.started / credit_line.grew / credit_line.held / credit_line.capped
    reason: str
    # The plain values the reason was written from (amounts in yen, rates as text), so that a
    # page read in English can say it again (:func:`reason_in_english`); stored with the change.
    params: dict[str, str | int] = field(default_factory=dict)

    @property
    def delta(self) -> int:
        return self.amount - self.previous


@dataclass(frozen=True, slots=True)
class LineCheck:
    """The result of holding a deal against the line: ``within`` or the reason it is not."""

    within: bool
    line: int
    outstanding: int
    available: int
    amount: int
    code: str = ""
    reason: str = ""


def _units(amount: int, policy: CreditLinePolicy) -> int:
    return amount - amount % policy.unit_yen if amount > 0 else 0


def initial_line(
    approved_face: int, grade: str, *, policy: CreditLinePolicy | None = None
) -> LineChange:
    """The first line, from the first approved deal's face value and its grade."""
    pol = policy or CreditLinePolicy()
    multiple = pol.grade_multiples.get(grade, Decimal("1"))
    raw = apply_rate(approved_face, multiple, rounding=Rounding.TRUNCATE)
    amount = min(pol.cap_yen, max(_units(raw, pol), approved_face))
    capped = " （上限に達しています）" if amount == pol.cap_yen else ""
    return LineChange(
        previous=0,
        amount=amount,
        code="credit_line.started",
        reason=(
            f"初回の審査で承認された {format_yen(approved_face)}（評価 {grade}）をもとに、"
            f"承認額の{multiple.normalize():f}倍（1万円未満切捨て）を限度額としました。{capped}"
        ).rstrip(),
        params={
            "approved_yen": approved_face,
            "grade": grade,
            "multiple": f"{multiple.normalize():f}",
            "capped": int(amount == pol.cap_yen),
        },
    )


def settled_on_time(
    *, latest_due: date, settled_on: date, defaulted: bool, policy: CreditLinePolicy | None = None
) -> bool:
    pol = policy or CreditLinePolicy()
    return not defaulted and settled_on <= latest_due + timedelta(days=pol.grace_days)


def growth_on_settlement(
    current: int,
    *,
    settled_face: int,
    on_time: bool,
    policy: CreditLinePolicy | None = None,
) -> LineChange:
    """The line after one settled deal (rule in the module docstring)."""
    pol = policy or CreditLinePolicy()
    if not on_time:
        return LineChange(
            previous=current,
            amount=current,
            code="credit_line.held",
            reason=(
                f"額面 {format_yen(settled_face)} のお取引の回収が期日どおりでなかったため、"
                "限度額は据え置きです。"
            ),
            params={"face_yen": settled_face},
        )
    if current >= pol.cap_yen:
        return LineChange(
            previous=current,
            amount=current,
            code="credit_line.capped",
            reason=f"限度額は上限（{format_yen(pol.cap_yen)}）に達しています。",
            params={"cap_yen": pol.cap_yen},
        )
    step = _units(apply_rate(settled_face, pol.growth_rate, rounding=Rounding.TRUNCATE), pol)
    amount = min(pol.cap_yen, current + step)
    return LineChange(
        previous=current,
        amount=amount,
        code="credit_line.grew",
        reason=(
            f"額面 {format_yen(settled_face)} のお取引が期日どおりに完了したため、"
            f"額面の{format_rate_percent(pol.growth_rate, 0)}（1万円未満切捨て）"
            f"{format_yen(amount - current)} 増額しました。"
            + ("（上限に達しました）" if amount == pol.cap_yen else "")
        ),
        params={
            "face_yen": settled_face,
            "rate": format_rate_percent(pol.growth_rate, 0),
            "delta_yen": amount - current,
            "capped": int(amount == pol.cap_yen),
        },
    )


def reason_in_english(code: str, params: Mapping[str, str | int]) -> str | None:
    """The reason of a change in English, from its code and params; None when there is no
    English (a reviewer's own words, or a change stored before params were kept)."""
    try:
        if code == "credit_line.started":
            return (
                f"Set from the first approved deal of {format_yen(int(params['approved_yen']))} "
                f"(grade {params['grade']}): {params['multiple']} times the approved amount, "
                "rounded down to ¥10,000."
                + (" (The line is at the cap.)" if params["capped"] else "")
            )
        if code == "credit_line.held":
            return (
                f"Kept as it was: the deal of {format_yen(int(params['face_yen']))} was not "
                "collected on time."
            )
        if code == "credit_line.capped":
            return f"The line is at the cap ({format_yen(int(params['cap_yen']))})."
        if code == "credit_line.grew":
            return (
                f"Raised by {format_yen(int(params['delta_yen']))}: the deal of "
                f"{format_yen(int(params['face_yen']))} was completed on time ({params['rate']} "
                "of its face value, rounded down to ¥10,000)."
                + (" (The line reached the cap.)" if params["capped"] else "")
            )
    except (KeyError, ValueError):
        return None
    return None


def manual_line(
    current: int, amount: int, *, reason: str, policy: CreditLinePolicy | None = None
) -> LineChange:
    """A reviewer sets the line by hand (a larger contract, a new debtor…): 0 to the cap,
    always with the reviewer's reason (shown to the client as written)."""
    pol = policy or CreditLinePolicy()
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= pol.cap_yen:
        raise DomainError(
            "credit_line.amount",
            f"限度額は0円以上{format_yen(pol.cap_yen)}以下で入力してください。",
            field="amount",
        )
    text = reason.strip()
    if not text or len(text) > 300:
        raise DomainError(
            "credit_line.reason", "変更の理由を300文字以内で入力してください。", field="reason"
        )
    return LineChange(previous=current, amount=amount, code="credit_line.adjusted", reason=text)


def check_against_line(line: int, *, outstanding: int, amount: int) -> LineCheck:
    """Hold a new deal of ``amount`` against the line, given the open deals' face value."""
    available = max(0, line - outstanding)
    if amount <= available:
        return LineCheck(True, line, outstanding, available, amount)
    return LineCheck(
        False,
        line,
        outstanding,
        available,
        amount,
        code="credit_line.exceeded",
        reason=(
            f"お申込み額 {format_yen(amount)} がご利用可能額 {format_yen(available)}"
            f"（限度額 {format_yen(line)} − ご利用中 {format_yen(outstanding)}）を超えるため、"
            "担当者が確認します。"
        ),
    )
