"""Property tests over random statements and invoices, and the statement index cache."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.screening import Outcome, Product, assess_reality, screen
from urikake.domain.screening.reality import cached_index, index_statements
from urikake.domain.statements import Direction, StatementLine

from .builders import DEBTOR_NAMES, TODAY, invoice, line, noise, regular_payments, screening_input

PAYERS = ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ｶ)ﾀﾅｶｹﾝｾﾂ", "ｻﾄｳｼﾖｳｶｲ(ﾕ", "ﾔﾏﾀﾞ ﾀﾛｳ"]

lines_st = st.lists(
    st.builds(
        line,
        st.dates(min_value=TODAY - timedelta(days=500), max_value=TODAY),
        st.integers(min_value=1, max_value=5_000_000),
        st.sampled_from(PAYERS),
        st.sampled_from(list(Direction)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(lines=lines_st, amount=st.integers(min_value=1_000, max_value=20_000_000))
def test_reality_invariants(lines: list[StatementLine], amount: int) -> None:
    from .builders import statement

    ev = assess_reality(DEBTOR_NAMES, invoice(amount=amount), [statement(lines)], today=TODAY)
    assert 0.0 <= ev.regularity <= 1.0
    assert 0.0 <= ev.concentration <= 1.0
    assert ev.payments_12m == len(ev.matched_line_keys)
    assert ev.months_with_payment <= min(ev.payments_12m, 13)
    assert ev.total_received_12m <= ev.total_deposits_12m
    assert ev.paid_confirmed <= ev.possibly_paid
    if ev.payments_12m:
        assert ev.median_amount is not None
        assert ev.days_since_last_payment is not None
        assert ev.days_since_last_payment >= 0


@settings(max_examples=60, deadline=None)
@given(
    lines=lines_st,
    amount=st.integers(min_value=10_000, max_value=20_000_000),
    term=st.integers(min_value=1, max_value=150),
    product=st.sampled_from(list(Product)),
)
def test_screen_invariants(
    lines: list[StatementLine], amount: int, term: int, product: Product
) -> None:
    inv = invoice(amount=amount, due=TODAY + timedelta(days=term))
    r = screen(screening_input(lines=lines, inv=inv, product=product))
    assert all(0 <= s.score <= 100 for s in r.risks.scores)
    assert r.risks.grade in "ABCDE"
    assert r.decision.reasons
    if r.outcome is Outcome.DECLINE:
        assert r.offer is None
    else:
        assert r.offer is not None
        assert 0 < r.offer.net_payout < r.offer.face_amount
        assert r.offer.fee <= r.offer.face_amount
    if r.outcome is Outcome.APPROVE:
        assert r.reality.payments_12m >= 3
        assert amount <= 5_000_000


def test_index_cache_tracks_statement_objects_and_today() -> None:
    from .builders import statement

    a = (statement(regular_payments() + noise()),)
    b = (statement(noise()),)
    assert cached_index(a, today=TODAY) is cached_index(a, today=TODAY)
    ev_a = assess_reality(DEBTOR_NAMES, invoice(), a, today=TODAY)
    ev_b = assess_reality(DEBTOR_NAMES, invoice(), b, today=TODAY)
    assert ev_a.payments_12m == 12
    assert ev_b.payments_12m == 0
    later = TODAY + timedelta(days=200)
    assert assess_reality(DEBTOR_NAMES, invoice(), a, today=later).payments_12m < 12
    # An explicit index whose day differs is re-windowed, not trusted.
    idx = index_statements(a, today=TODAY)
    assert assess_reality(DEBTOR_NAMES, invoice(), idx, today=later).payments_12m < 12
    assert assess_reality(DEBTOR_NAMES, invoice(), idx, today=TODAY).payments_12m == 12


def test_month_end_payer_is_regular() -> None:
    from .builders import statement

    days = [date(2026, m, 1) - timedelta(days=1) for m in range(2, 12)]  # month ends
    ev = assess_reality(
        DEBTOR_NAMES,
        invoice(),
        [statement([line(d, 500_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ") for d in days])],
        today=TODAY,
    )
    assert ev.regularity > 0.7
    assert ev.typical_day_of_month in (28, 29, 30, 31)
