"""Transaction reality from statements built in code."""

from __future__ import annotations

from datetime import date, timedelta

from urikake.domain.name_matching import normalize_name
from urikake.domain.screening import assess_reality
from urikake.domain.statements import Direction

from .builders import DEBTOR_NAMES, TODAY, invoice, line, noise, regular_payments, statement


def test_regular_payer_found_with_legal_form_abbreviation() -> None:
    lines = regular_payments("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ") + noise()
    ev = assess_reality(DEBTOR_NAMES, invoice(), [statement(lines)], today=TODAY)
    assert ev.payments_12m == 12
    assert ev.months_with_payment == 12
    assert ev.typical_day_of_month == 25
    assert ev.typical_interval_days is not None
    assert 28 <= ev.typical_interval_days <= 31
    assert ev.regularity > 0.8
    assert ev.strength == "strong"
    assert ev.median_amount is not None
    assert 330_000 <= ev.median_amount <= 332_200
    assert ev.amount_ratio is not None
    assert 0.99 < ev.amount_ratio <= 1.0
    assert len(ev.matched_line_keys) == 12
    matched_keys = {ln.key() for ln in lines if ln.counterparty == "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"}
    assert set(ev.matched_line_keys) == matched_keys
    assert ev.days_since_last_payment is not None
    assert ev.days_since_last_payment < 40
    assert ev.distinct_payers_12m == 6
    assert 0.0 < ev.concentration < 1.0
    assert not ev.possibly_paid


def test_suffix_form_and_truncated_payer_name() -> None:
    reading = "ヤマダショウジトウキョウホンシャエイギョウブダイイチエイギョウカシステムカイハツシツ"
    payer48 = ("ｶ)" + normalize_name(reading).key)[:48]
    assert len(payer48) == 48
    lines = regular_payments(payer48, months=6) + regular_payments("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", months=0)
    ev = assess_reality(("ヤマダ商事東京本社", reading), invoice(), [statement(lines)], today=TODAY)
    assert ev.payments_12m == 6
    assert ev.payers[0].score >= 0.9
    assert ev.payers[0].strong
    suffix = regular_payments("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", months=4)
    ev2 = assess_reality(DEBTOR_NAMES, invoice(), [statement(suffix)], today=TODAY)
    assert ev2.payments_12m == 4


def test_absent_payer() -> None:
    ev = assess_reality(DEBTOR_NAMES, invoice(), [statement(noise())], today=TODAY)
    assert ev.payments_12m == 0
    assert ev.strength == "none"
    assert ev.regularity == 0.0
    assert ev.median_amount is None
    assert ev.days_since_last_payment is None
    assert ev.concentration == 0.0


def test_irregular_payer_scores_low_regularity() -> None:
    days = [
        date(2026, 1, 3),
        date(2026, 1, 29),
        date(2026, 4, 17),
        date(2026, 5, 9),
        date(2026, 9, 22),
    ]
    lines = [line(d, 100_000 * (i + 1), "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ") for i, d in enumerate(days)]
    ev = assess_reality(DEBTOR_NAMES, invoice(), [statement(lines)], today=TODAY)
    assert ev.payments_12m == 5
    assert ev.regularity < 0.4
    assert ev.strength == "weak"
    assert ev.days_since_last_payment == (TODAY - date(2026, 9, 22)).days


def test_lines_outside_window_and_duplicates_across_statements_ignored() -> None:
    lines = regular_payments(months=3)
    old = line(TODAY - timedelta(days=400), 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    ev = assess_reality(
        DEBTOR_NAMES, invoice(), [statement(lines), statement([*lines, old])], today=TODAY
    )
    assert ev.payments_12m == 3


def test_possible_match_is_noted_not_counted() -> None:
    lines = [
        line(month_d, 330_000, "ﾔﾏﾀﾞｼﾖｳｼﾞﾝ") for month_d in (date(2026, 8, 25), date(2026, 9, 25))
    ]
    ev = assess_reality(("ヤマダショウジ",), invoice(), [statement(lines)], today=TODAY)
    assert ev.payments_12m == 0
    assert len(ev.possible_line_keys) == 2


def test_already_paid_detection() -> None:
    inv = invoice(amount=412_500, issue=date(2026, 10, 31))
    paid = line(date(2026, 11, 10), 412_500, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    ev = assess_reality(DEBTOR_NAMES, inv, [statement([*regular_payments(), paid])], today=TODAY)
    assert ev.possibly_paid
    assert not ev.paid_confirmed
    assert ev.paid_line_keys == (paid.key(),)
    with_edi = line(date(2026, 11, 10), 412_500 - 660, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", edi="INV2026-0120")
    ev2 = assess_reality(DEBTOR_NAMES, inv, [statement([with_edi])], today=TODAY)
    assert ev2.possibly_paid
    assert ev2.paid_confirmed
    before_issue = line(date(2026, 10, 1), 412_500, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    ev3 = assess_reality(DEBTOR_NAMES, inv, [statement([before_issue])], today=TODAY)
    assert not ev3.possibly_paid


def test_contra_withdrawals_found() -> None:
    lines = [
        *regular_payments(),
        line(date(2026, 10, 30), 99_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", Direction.WITHDRAWAL),
    ]
    ev = assess_reality(DEBTOR_NAMES, invoice(), [statement(lines)], today=TODAY)
    assert ev.contra_count_12m == 1
    assert ev.contra_total_12m == 99_000
    assert ev.payments_12m == 12
