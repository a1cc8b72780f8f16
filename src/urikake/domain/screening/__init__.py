"""Automated screening of one invoice: transaction reality, the five risks, decision, offer.

Pure domain code (no Django, no I/O). Entry point: :func:`screen`; the parts are usable on
their own (:func:`assess_reality`, :func:`assess_risks`, :func:`decide`, :func:`price`).
"""

from urikake.domain.screening.decision import (
    Decision,
    Outcome,
    ScreeningInput,
    ScreeningPolicy,
    ScreeningResult,
    decide,
    screen,
)
from urikake.domain.screening.fingerprints import (
    debtor_key,
    invoice_fingerprint,
    near_duplicate_keys,
    normalize_invoice_number,
)
from urikake.domain.screening.pricing import (
    FeeLine,
    Offer,
    PricingPolicy,
    ProductBand,
    fee_rate_for,
    price,
)
from urikake.domain.screening.reality import PayerMatch, RealityEvidence, assess_reality
from urikake.domain.screening.risks import (
    DilutionStats,
    RiskInput,
    assess_risks,
    dilution_stats,
    features_for_model,
    is_self_dealing,
)
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
    RiskLevel,
    RiskScore,
    ScoreProvider,
)

__all__ = [
    "ApplicantProfile",
    "DebtorProfile",
    "Decision",
    "DilutionStats",
    "FeeLine",
    "ModelScore",
    "Offer",
    "Outcome",
    "PayerMatch",
    "PlatformContext",
    "PricingPolicy",
    "PriorInvoice",
    "Product",
    "ProductBand",
    "RealityEvidence",
    "Reason",
    "RiskAssessment",
    "RiskInput",
    "RiskKind",
    "RiskLevel",
    "RiskScore",
    "ScoreProvider",
    "ScreeningInput",
    "ScreeningPolicy",
    "ScreeningResult",
    "assess_reality",
    "assess_risks",
    "debtor_key",
    "decide",
    "dilution_stats",
    "features_for_model",
    "fee_rate_for",
    "invoice_fingerprint",
    "is_self_dealing",
    "near_duplicate_keys",
    "normalize_invoice_number",
    "price",
    "screen",
]
