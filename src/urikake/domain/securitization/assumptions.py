"""The structuring desk's credit assumptions: PD per screening grade, LGD, the recovery lag
and the trigger level. Operators set them as effective-dated, versioned settings
(``urikake.securitization.models.AssumptionSet``); a pool records the version it was built
with, so its analysis and investor report can be reproduced. This module holds the defaults
(the values the engine used before they became settings) and the bounds, with the Japanese
errors shown to the operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from urikake.domain.errors import DomainError

__all__ = ["DEFAULT", "GRADES", "MAX_RECOVERY_LAG", "Assumptions", "validate"]

GRADES = ("A", "B", "C", "D", "E")
MAX_RECOVERY_LAG = 36  # months


@dataclass(frozen=True)
class Assumptions:
    grade_pd: dict[str, Decimal]  # screening grade → PD over the receivable's life
    lgd: Decimal  # loss given default, a fraction of the defaulted balance
    recovery_lag: int  # months from a default to the recovery of its non-lost part
    trigger: Decimal  # cumulative default ratio that switches the waterfall to full turbo

    def pd_of(self, grade: str) -> float:
        """A position's PD; an unknown grade gets the most cautious one (E)."""
        return float(self.grade_pd.get(grade, self.grade_pd["E"]))


DEFAULT = Assumptions(
    grade_pd={
        "A": Decimal("0.005"),
        "B": Decimal("0.01"),
        "C": Decimal("0.02"),
        "D": Decimal("0.04"),
        "E": Decimal("0.08"),
    },
    lgd=Decimal("0.6"),
    recovery_lag=2,
    trigger=Decimal("0.10"),
)


def validate(a: Assumptions) -> Assumptions:
    """The bounds: every PD and the LGD in [0, 1], the lag 0–36 months, the trigger in (0, 1]."""
    for grade in GRADES:
        pd = a.grade_pd.get(grade)
        if pd is None or not Decimal(0) <= pd <= Decimal(1):
            raise DomainError(
                "securitization.pd_out_of_range",
                f"格付{grade}のデフォルト確率は0%以上100%以下で指定してください。",
                field=f"pd_{grade.lower()}",
            )
    if not Decimal(0) <= a.lgd <= Decimal(1):
        raise DomainError(
            "securitization.lgd_out_of_range",
            "デフォルト時損失率（LGD）は0%以上100%以下で指定してください。",
            field="lgd",
        )
    if not 0 <= a.recovery_lag <= MAX_RECOVERY_LAG:
        raise DomainError(
            "securitization.lag_out_of_range",
            f"回収までの期間は0か月以上{MAX_RECOVERY_LAG}か月以下で指定してください。",
            field="recovery_lag",
        )
    if not Decimal(0) < a.trigger <= Decimal(1):
        raise DomainError(
            "securitization.trigger_out_of_range",
            "トリガー（累積デフォルト率）は0%より大きく100%以下で指定してください。",
            field="trigger",
        )
    return a
