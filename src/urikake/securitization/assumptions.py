"""The structuring desk's credit assumptions as operator settings: effective-dated versions,
never edited (a change is a new version), bounded by the domain, audited. A pool records the
version in force at its cut-off date; its analysis reads that version (docs/securitization.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from urikake.audit import services as audit
from urikake.domain.securitization import assumptions as rules
from urikake.securitization.models import AssumptionSet, Pool


def as_domain(row: AssumptionSet | None) -> rules.Assumptions:
    """A stored version as the engine's assumptions (``None``: the built-in defaults)."""
    if row is None:
        return rules.DEFAULT
    return rules.Assumptions(
        grade_pd={g: Decimal(str(v)) for g, v in row.grade_pd.items()},
        lgd=row.lgd,
        recovery_lag=row.recovery_lag,
        trigger=row.trigger,
    )


def in_force(on: date) -> AssumptionSet | None:
    """The version in force on ``on``: the latest effective date not after it (the highest
    version number among versions of that date)."""
    return (
        AssumptionSet.objects.filter(effective_from__lte=on)
        .order_by("-effective_from", "-version")
        .first()
    )


def of_pool(pool: Pool) -> rules.Assumptions:
    return as_domain(pool.assumptions)


def set_assumptions(
    *, effective_from: date, assumptions: rules.Assumptions, acting_user: Any
) -> AssumptionSet:
    """Record a new version (bounds checked first: nothing is saved when one is out)."""
    rules.validate(assumptions)
    with transaction.atomic():
        # Serialise version numbers: lock the existing rows (a table with a handful of rows).
        list(AssumptionSet.objects.select_for_update().values_list("pk", flat=True))
        last = AssumptionSet.objects.aggregate(v=Max("version"))["v"] or 0
        row = AssumptionSet.objects.create(
            version=last + 1,
            effective_from=effective_from,
            grade_pd={g: str(assumptions.grade_pd[g]) for g in rules.GRADES},
            lgd=assumptions.lgd,
            recovery_lag=assumptions.recovery_lag,
            trigger=assumptions.trigger,
            created_by=acting_user,
        )
        audit.record(
            "securitization.assumptions_set",
            actor=acting_user,
            obj=row,
            payload={
                "version": row.version,
                "effective_from": effective_from,
                "grade_pd": row.grade_pd,
                "lgd": assumptions.lgd,
                "recovery_lag": assumptions.recovery_lag,
                "trigger": assumptions.trigger,
            },
        )
    return row
