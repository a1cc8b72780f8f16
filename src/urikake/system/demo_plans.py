"""Demo plans shaped like seed 000's market (MSFJ's three plans): a quick plan up to
¥1,000,000 from 3.8%, a premium plan up to ¥50,000,000 from 1.8%, and a sole-proprietor plan
from ¥100,000 to ¥5,000,000 at 3.8–9.8%. Created through the plan services by the demo
administrator (the role that manages plans), once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from urikake.domain.plans import PlanTerms, Segment
from urikake.plans import services as plans
from urikake.plans.models import Plan

DEMO_PLANS = (
    PlanTerms(
        code="quick",
        name="クイックプラン",
        segment=Segment.CORPORATION,
        product="two_party",
        min_amount=10_000,
        max_amount=1_000_000,
        fee_min=Decimal("0.038"),
        fee_max=Decimal("0.12"),
        advance_rate=Decimal("0.8"),
        speed="1営業日",
    ),
    PlanTerms(
        code="premium",
        name="プレミアムプラン",
        segment=Segment.CORPORATION,
        product="three_party",
        min_amount=100_000,
        max_amount=50_000_000,
        fee_min=Decimal("0.018"),
        fee_max=Decimal("0.10"),
        advance_rate=Decimal("0.95"),
        speed="最短1営業日",
    ),
    PlanTerms(
        code="sole-proprietor",
        name="個人事業主プラン",
        segment=Segment.SOLE_PROPRIETOR,
        product="two_party",
        min_amount=100_000,
        max_amount=5_000_000,
        fee_min=Decimal("0.038"),
        fee_max=Decimal("0.098"),
        advance_rate=Decimal("0.8"),
        speed="最短即日",
    ),
)


def load_demo_plans(acting_user: Any) -> list[str]:
    """Create the demo plans that are missing; return the codes created."""
    created = []
    for terms in DEMO_PLANS:
        if Plan.objects.filter(code=terms.code).exists():
            continue
        plans.create_plan(acting_user=acting_user, code=terms.code, terms=terms)
        created.append(terms.code)
    return created
