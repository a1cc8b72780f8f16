"""The demo book: ``urikake demo`` makes a realistic book of open, perfected, not-overdue
purchases across several debtors and grades, consistent with the ledger, and a pool can be
built from it and analysed."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from urikake.accounts.models import User
from urikake.ledger import services as ledger
from urikake.securitization import services
from urikake.securitization.analysis import analyse_pool
from urikake.servicing.models import Position
from urikake.system import demo_book
from urikake.system.demo import load_demo_data

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Position.objects.filter(invoice__invoice_number__startswith="BOOK-")
        .order_by("invoice__invoice_number")
        .values_list("invoice__invoice_number", "face_amount", "fee", "due_date", "debtor__name")
    )


def test_a_pool_from_the_demo_book():
    load_demo_data()
    structuring = User.objects.get(email="structuring@demo.urikake.example")
    assert structuring.staff_role == "structuring"
    candidates = services.candidates()
    eligible = [
        c
        for c in candidates
        if c.perfected and not c.clause_unreleased and c.due_date >= timezone.localdate()
    ]
    assert 40 <= len(eligible) <= 80
    assert len({c.debtor for c in eligible}) >= 8
    grades = Counter(c.grade for c in eligible)
    assert set(grades) >= {"A", "B", "C", "D"}
    # Consistent with the books: every entry balances and the cash account stays positive.
    assert ledger.unbalanced_entries() == []
    assert ledger.balance(ledger.operating_cash_account()) > 0

    open_positions = Position.objects.filter(status="open")
    pool = services.build_pool(
        name="デモプール",
        cut_off=timezone.localdate(),
        method="pool",
        allowed_products=sorted({p.product for p in open_positions}),
        concentration_limit=Decimal("0.1"),
        acting_user=structuring,
    )
    assert pool.items.count() == len(eligible)
    # The book is concentrated: the largest debtors are cut to the 10% limit (as the browser
    # test does with the same limit).
    assert pool.balance < pool.sold_balance
    analysis = analyse_pool(pool)
    assert 0 < analysis.expected_loss < 1
    TOTP.activate(structuring, generate_totp_secret())  # staff must enrol a second factor
    client = Client()
    client.force_login(structuring)
    page = client.get(f"/backoffice/securitization/{pool.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="loss-histogram"' in text
    assert 'id="cost-comparison"' in text
    sized = client.get(f"/backoffice/securitization/{pool.pk}/", {"metric": "pd", "target": "1"})
    assert 'id="sized"' in sized.content.decode()
    pdf = client.get(f"/backoffice/securitization/{pool.pk}/report/1.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")

    # Made once, and the same for the same day.
    first = _snapshot()
    assert demo_book.load_book_demo() == 0
    assert load_demo_data() == []
    assert _snapshot() == first
