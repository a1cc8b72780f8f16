"""The five risks, fingerprints and model features."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from urikake.domain.screening import (
    ApplicantProfile,
    ModelScore,
    PlatformContext,
    PriorInvoice,
    Product,
    RiskInput,
    RiskKind,
    RiskLevel,
    assess_reality,
    assess_risks,
    debtor_key,
    features_for_model,
    invoice_fingerprint,
    near_duplicate_keys,
)
from urikake.domain.screening.types import DebtorProfile
from urikake.domain.statements import Direction, StatementLine

from .builders import (
    APPLICANT,
    DEBTOR,
    DEBTOR_NAMES,
    TODAY,
    invoice,
    line,
    noise,
    regular_payments,
    statement,
)


def risk_input(
    lines: list[StatementLine] | None = None,
    **kw: object,
) -> RiskInput:
    inv = kw.pop("inv", None) or invoice()
    ls = regular_payments() + noise() if lines is None else lines
    reality = assess_reality(DEBTOR_NAMES, inv, [statement(ls)], today=TODAY)  # type: ignore[arg-type]
    base = RiskInput(
        invoice=inv,  # type: ignore[arg-type]
        applicant=APPLICANT,
        debtor=DEBTOR,
        reality=reality,
        product=Product.THREE_PARTY,
        today=TODAY,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def codes(ri: RiskInput, kind: RiskKind) -> set[str]:
    return {r.code for r in assess_risks(ri).get(kind).reasons}


# --- fingerprints ------------------------------------------------------------------------


def test_fingerprint_stable_under_retyping() -> None:
    a = invoice(number="INV-2026-0120")
    b = invoice(number="ｉｎｖ ２０２６/０１２０")
    assert invoice_fingerprint(a, debtor_key(a)) == invoice_fingerprint(b, debtor_key(b))
    assert debtor_key(a).startswith("cn:")
    no_cn = invoice(cn="")
    assert debtor_key(no_cn, ("カブシキガイシャヤマダショウジ",)) == debtor_key(
        no_cn, ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ",)
    )
    assert debtor_key(no_cn).startswith("tx:")  # kanji only: text key


def test_fingerprint_differs_on_amount_or_due() -> None:
    a = invoice()
    k = debtor_key(a)
    assert invoice_fingerprint(a, k) != invoice_fingerprint(invoice(amount=330_001), k)
    assert invoice_fingerprint(a, k) != invoice_fingerprint(invoice(due=date(2026, 12, 28)), k)


# --- fraud -------------------------------------------------------------------------------


def test_exact_double_assignment_is_high() -> None:
    inv = invoice()
    fp = invoice_fingerprint(inv, debtor_key(inv, DEBTOR_NAMES))
    ri = risk_input(platform=PlatformContext(existing_fingerprints=frozenset({fp})))
    fraud = assess_risks(ri).get(RiskKind.FRAUD)
    assert fraud.level is RiskLevel.HIGH
    assert fraud.score == 100
    assert fraud.reasons[0].message == "既に他の申込みで譲渡対象になっている請求書と一致しました。"


def test_near_duplicate_other_number_same_amount_and_due() -> None:
    other = invoice(number="INV-2026-0999")
    near = near_duplicate_keys(other, debtor_key(other, DEBTOR_NAMES))
    ri = risk_input(platform=PlatformContext(existing_near_keys=near))
    fraud = assess_risks(ri).get(RiskKind.FRAUD)
    assert fraud.level is RiskLevel.MEDIUM
    assert fraud.reasons[0].code == "fraud.near_duplicate"
    assert fraud.reasons[0].evidence["matched"] == ("amt",)


def test_near_duplicate_same_number_other_amount() -> None:
    other = invoice(amount=1_000_000)
    near = near_duplicate_keys(other, debtor_key(other, DEBTOR_NAMES))
    ri = risk_input(platform=PlatformContext(existing_near_keys=near))
    assert "fraud.near_duplicate" in codes(ri, RiskKind.FRAUD)


def test_number_out_of_sequence_and_reused() -> None:
    ri = risk_input(previous_numbers=("INV-2026-0130", "INV-2026-0131"))
    assert "fraud.number_out_of_sequence" in codes(ri, RiskKind.FRAUD)
    ri2 = risk_input(previous_numbers=("INV-2026-0120",))
    assert "fraud.number_reused" in codes(ri2, RiskKind.FRAUD)
    ri3 = risk_input(previous_numbers=("INV-2026-0100", "INV-2026-0119"))
    assert codes(ri3, RiskKind.FRAUD) == {"fraud.none"}


def test_already_paid_is_fraud_high() -> None:
    paid = line(date(2026, 11, 10), 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", edi="INV-2026-0120")
    ri = risk_input([*regular_payments(base=250000), paid])
    fraud = assess_risks(ri).get(RiskKind.FRAUD)
    assert "fraud.already_paid" in {r.code for r in fraud.reasons}
    assert fraud.level is RiskLevel.HIGH


def test_self_dealing() -> None:
    ri = risk_input(
        applicant=ApplicantProfile(names=DEBTOR_NAMES, corporate_number="9999999999999")
    )
    assert "fraud.self_dealing" in codes(ri, RiskKind.FRAUD)


def test_existence_unverified_without_payments() -> None:
    ri = risk_input(noise())
    assert "fraud.existence_unverified" in codes(ri, RiskKind.FRAUD)
    assert "default.no_history" in codes(ri, RiskKind.DEFAULT)


# --- default -----------------------------------------------------------------------------


def test_default_regular_payer_low_and_exposure_limit() -> None:
    ri = risk_input()
    d = assess_risks(ri).get(RiskKind.DEFAULT)
    assert d.level is RiskLevel.LOW
    assert "default.regular_payer" in {r.code for r in d.reasons}
    over = replace(ri, platform=PlatformContext(debtor_exposure_yen=29_900_000))
    d2 = assess_risks(over).get(RiskKind.DEFAULT)
    assert "default.exposure_limit" in {r.code for r in d2.reasons}
    assert d2.score > d.score


def test_default_missing_corporate_number_and_prior_defaults() -> None:
    ri = risk_input(
        inv=invoice(cn=""),
        debtor=DebtorProfile(names=DEBTOR_NAMES, prior_defaults=2),
    )
    c = codes(ri, RiskKind.DEFAULT)
    assert {"default.no_corporate_number", "default.prior_defaults"} <= c
    assert assess_risks(ri).get(RiskKind.DEFAULT).level is RiskLevel.HIGH


class FixedModel:
    def __init__(self, p: float) -> None:
        self.p = p
        self.seen: Mapping[str, float | str | None] = {}

    def score(self, features: Mapping[str, float | str | None]) -> ModelScore:
        self.seen = features
        return ModelScore(self.p, "C", ("支払遅延の兆候",))


def test_model_blended_and_features_complete() -> None:
    ri = risk_input()
    model = FixedModel(0.9)
    d = assess_risks(ri, score_provider=model).get(RiskKind.DEFAULT)
    assert "default.model" in {r.code for r in d.reasons}
    assert d.score == round(0.5 * assess_risks(ri).get(RiskKind.DEFAULT).score + 45)
    expected = {
        "debtor_age_years",
        "invoice_amount_yen",
        "term_days",
        "payments_12m",
        "payment_regularity",
        "days_since_last_payment",
        "concentration",
        "dilution_rate",
        "contra_flag",
        "two_party_flag",
        "prior_defaults",
    }
    assert expected <= set(model.seen)
    f = features_for_model(ri)
    assert f["payments_12m"] == 12.0
    assert f["two_party_flag"] == 0.0
    assert f["contra_flag"] == 0.0


# --- dilution ----------------------------------------------------------------------------


def test_dilution_from_history_credit_notes_and_short_payments() -> None:
    history = (
        PriorInvoice("INV-2026-0100", date(2026, 6, 30), date(2026, 8, 25), 330_000, 330_000),
        PriorInvoice("INV-2026-0101", date(2026, 7, 31), date(2026, 9, 25), 330_000, 300_000),
        PriorInvoice(
            "INV-2026-0102", date(2026, 8, 31), date(2026, 10, 25), 330_000, 319_000, 11_000
        ),
        PriorInvoice(
            "INV-2026-0103", date(2026, 9, 30), date(2026, 10, 26), 100_000, 99_340
        ),  # fee
    )
    ri = risk_input(history=history)
    dil = assess_risks(ri).get(RiskKind.DILUTION)
    rate = next(r for r in dil.reasons if r.code == "dilution.rate")
    assert rate.evidence["diluted_yen"] == 30_000 + 11_000
    assert rate.evidence["invoiced_yen"] == 1_090_000
    shorts = [r for r in dil.reasons if r.code == "dilution.short_payment"]
    assert [r.evidence["invoice_number"] for r in shorts] == ["INV-2026-0101"]
    assert dil.level is RiskLevel.MEDIUM  # 3.8% of the invoiced yen
    assert dil.score == round(5 + 1000 * 41_000 / 1_090_000)


def test_dilution_inferred_from_statements() -> None:
    lines = [
        line(date(2026, 9, 25), 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"),
        line(date(2026, 10, 26), 250_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"),
    ]
    history = (
        PriorInvoice("A-1", date(2026, 8, 31), date(2026, 9, 25), 330_000),
        PriorInvoice("A-2", date(2026, 9, 30), date(2026, 10, 25), 330_000),
        PriorInvoice("A-3", date(2025, 1, 31), date(2025, 2, 25), 330_000),  # nothing found
    )
    ri = risk_input(lines, history=history)
    dil = assess_risks(ri).get(RiskKind.DILUTION)
    rate = next(r for r in dil.reasons if r.code == "dilution.rate")
    assert rate.evidence["inferred_from_statements"] == 2
    assert rate.evidence["diluted_yen"] == 80_000


def test_no_history_dilution_medium_unknown() -> None:
    assert codes(risk_input(), RiskKind.DILUTION) == {"dilution.no_history"}


# --- contra ------------------------------------------------------------------------------


def test_contra_payments_to_debtor() -> None:
    lines = [
        *regular_payments(),
        line(date(2026, 10, 30), 600000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", Direction.WITHDRAWAL),
        line(date(2026, 9, 30), 600000, "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", Direction.WITHDRAWAL),
    ]
    c = assess_risks(risk_input(lines)).get(RiskKind.CONTRA)
    assert c.reasons[0].code == "contra.payments_to_debtor"
    assert c.reasons[0].evidence["total_yen"] == 1_200_000
    assert c.level is RiskLevel.MEDIUM
    assert assess_risks(risk_input()).get(RiskKind.CONTRA).score == 0


# --- commingling -------------------------------------------------------------------------


def test_commingling_two_vs_three_party() -> None:
    three = assess_risks(risk_input()).get(RiskKind.COMMINGLING)
    two = assess_risks(risk_input(product=Product.TWO_PARTY)).get(RiskKind.COMMINGLING)
    assert three.level is RiskLevel.LOW
    assert two.score > three.score
    young = ApplicantProfile(names=APPLICANT.names, established=date(2025, 9, 1), forwarding_late=1)
    risky = assess_risks(risk_input(product=Product.TWO_PARTY, applicant=young)).get(
        RiskKind.COMMINGLING
    )
    assert risky.level is RiskLevel.HIGH
    assert {"commingling.young_applicant", "commingling.late_forwarding"} <= {
        r.code for r in risky.reasons
    }


def test_assessment_has_one_score_per_kind_and_grade() -> None:
    a = assess_risks(risk_input())
    assert [s.kind for s in a.scores] == list(RiskKind)
    assert all(0 <= s.score <= 100 for s in a.scores)
    assert a.grade == "A"
