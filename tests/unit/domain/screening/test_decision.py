"""Decisions for each path, through screen()."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from urikake.domain.screening import (
    ApplicantProfile,
    DebtorProfile,
    Outcome,
    PlatformContext,
    PriorInvoice,
    Product,
    ScreeningPolicy,
    debtor_key,
    invoice_fingerprint,
    near_duplicate_keys,
    screen,
)
from urikake.domain.statements import Direction

from .builders import (
    APPLICANT,
    DEBTOR_NAMES,
    invoice,
    line,
    noise,
    regular_payments,
    screening_input,
)


def test_approve_regular_payer_three_party() -> None:
    r = screen(screening_input())
    assert r.outcome is Outcome.APPROVE
    assert r.decision.codes == ("approve",)
    assert r.offer is not None
    assert r.offer.net_payout > 0
    assert r.risks.grade == "A"
    inv = invoice()
    assert r.fingerprint == invoice_fingerprint(inv, debtor_key(inv, DEBTOR_NAMES))
    assert r.near_keys == near_duplicate_keys(inv, debtor_key(inv, DEBTOR_NAMES))


def test_decline_exact_double_assignment_then_second_application() -> None:
    first = screen(screening_input())
    platform = PlatformContext(
        existing_fingerprints=frozenset({first.fingerprint}),
        existing_near_keys=first.near_keys,
    )
    second = screen(screening_input(platform=platform))
    assert second.outcome is Outcome.DECLINE
    assert second.decision.codes == ("fraud.double_assignment",)
    assert second.decision.messages() == (
        "既に他の申込みで譲渡対象になっている請求書と一致しました。",
    )
    assert second.offer is None


def test_refer_near_duplicate() -> None:
    other = screen(screening_input(inv=invoice(number="INV-2026-0777")))
    platform = PlatformContext(
        existing_fingerprints=frozenset({other.fingerprint}), existing_near_keys=other.near_keys
    )
    r = screen(screening_input(platform=platform))
    assert r.outcome is Outcome.REFER
    assert "fraud.near_duplicate" in r.decision.codes
    assert r.offer is not None  # indicative, for the reviewer


def test_decline_already_paid() -> None:
    paid = line(date(2026, 11, 12), 412_500, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    inv = invoice(amount=412_500)
    r = screen(screening_input(lines=[*regular_payments(), *noise(), paid], inv=inv))
    assert r.outcome is Outcome.DECLINE
    assert r.decision.codes == ("fraud.possibly_paid",)
    assert r.reality.paid_line_keys == (paid.key(),)


def test_recurring_same_amount_refers_instead_of_declining() -> None:
    # The debtor pays 330,000 every month: a 330,000 deposit after issue may be last month's.
    lines = [line(d.value_date, 330_000, d.counterparty) for d in regular_payments()]
    after_issue = line(date(2026, 11, 10), 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    r = screen(screening_input(lines=[*lines, after_issue, *noise()]))
    assert r.outcome is Outcome.REFER
    assert "fraud.possibly_paid_recurring" in r.decision.codes


def test_decline_debtor_is_applicant() -> None:
    applicant = ApplicantProfile(names=DEBTOR_NAMES, corporate_number="1180301018771")
    r = screen(screening_input(applicant=applicant))
    assert r.outcome is Outcome.DECLINE
    assert "fraud.self_dealing" in r.decision.codes


def test_kanji_names_alone_do_not_make_self_dealing() -> None:
    # Both kanji names reduce to the partial key ﾔﾏﾀﾞ; they are different companies.
    applicant = ApplicantProfile(names=("株式会社ヤマダ工業",), established=date(2010, 1, 1))
    r = screen(screening_input(applicant=applicant))
    assert "fraud.self_dealing" not in r.decision.codes


def test_refer_weak_reality_absent_payer() -> None:
    r = screen(screening_input(lines=noise()))
    assert r.outcome is Outcome.REFER
    assert "reality.weak" in r.decision.codes
    assert "risk.fraud.medium" in r.decision.codes


def test_refer_amount_above_auto_limit() -> None:
    inp = replace(screening_input(), policy=ScreeningPolicy(auto_approve_limit_yen=300_000))
    r = screen(inp)
    assert r.outcome is Outcome.REFER
    assert r.decision.codes == ("amount.above_auto_limit",)


def test_refer_on_high_contra() -> None:
    lines = [
        *regular_payments(),
        *noise(),
        line(date(2026, 10, 30), 3_000_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", Direction.WITHDRAWAL),
    ]
    r = screen(screening_input(lines=lines))
    assert r.outcome is Outcome.REFER
    assert "risk.contra.high" in r.decision.codes


def test_two_party_young_applicant_refers_and_costs_more() -> None:
    young = ApplicantProfile(
        names=APPLICANT.names, established=date(2025, 10, 1), forwarding_late=1
    )
    two = screen(screening_input(product=Product.TWO_PARTY, applicant=young))
    three = screen(screening_input())
    assert two.outcome is Outcome.REFER
    assert "risk.commingling.high" in two.decision.codes
    assert two.offer is not None
    assert three.offer is not None
    assert two.offer.fee_rate > three.offer.fee_rate


def test_refer_number_out_of_sequence_and_prior_defaults() -> None:
    r = screen(screening_input(previous_numbers=("INV-2026-0300",)))
    assert r.outcome is Outcome.REFER
    assert "fraud.number_out_of_sequence" in r.decision.codes
    d = DebtorProfile(names=DEBTOR_NAMES, corporate_number="1180301018771", prior_defaults=1)
    r2 = screen(screening_input(debtor=d))
    assert r2.outcome is Outcome.REFER
    assert "default.prior_defaults" in r2.decision.codes


def test_decline_when_due_too_soon() -> None:
    r = screen(screening_input(inv=invoice(due=date(2026, 11, 25))))
    assert r.outcome is Outcome.DECLINE
    assert r.decision.codes[0] == "pricing.due_too_soon"
    assert r.offer is None


def test_dilution_history_feeds_decision() -> None:
    history = tuple(
        PriorInvoice(f"INV-2026-01{i:02d}", date(2026, i, 1), date(2026, i, 25), 330_000, 250_000)
        for i in range(1, 7)
    )
    r = screen(screening_input(history=history))
    assert r.outcome is Outcome.REFER
    assert "risk.dilution.high" in r.decision.codes


def test_invoice_problems_refer() -> None:
    bad = invoice(issue=date(2026, 12, 1), due=date(2026, 12, 25))  # issued in the future
    r = screen(screening_input(inv=bad, now=datetime(2026, 11, 20, 10)))
    assert r.outcome is Outcome.REFER
    assert "invoice.issue_in_future" in r.decision.codes
