"""Sizing the senior tranche: the smallest subordination that meets a target.

The senior tranche is ``[A, 1]``; its PD (probability of any loss) and its expected loss
both fall as the attachment ``A`` (the subordination below it) rises. :func:`size_senior`
finds ``A`` with :func:`scipy.optimize.brentq` on ``metric(A) − target`` for any metric —
the large-pool analytic one or one read from a Monte Carlo run — and returns the senior
share ``1 − A``. A Monte Carlo PD is a step function of ``A``; brentq then returns the jump
that crosses the target, which is the answer the simulation supports.
"""

from __future__ import annotations

from collections.abc import Callable

from scipy import optimize  # type: ignore[import-untyped]

from urikake.domain.errors import DomainError

__all__ = ["size_senior"]


def size_senior(
    metric: Callable[[float], float], target: float, *, max_attachment: float = 0.999
) -> float:
    """The senior share ``1 − A`` with ``metric(A) = target`` (``metric`` decreasing)."""
    if not 0.0 < target < 1.0:
        raise DomainError(
            "securitization.target_out_of_range",
            "目標値は0より大きく1未満で指定してください。",
            field="target",
        )
    if metric(0.0) <= target:
        return 1.0
    if metric(max_attachment) > target:
        raise DomainError(
            "securitization.target_unreachable",
            "劣後部分をどれだけ厚くしても目標に届きません。",
            field="target",
        )
    attachment = optimize.brentq(lambda a: metric(a) - target, 0.0, max_attachment, xtol=1e-7)
    return 1.0 - float(attachment)
