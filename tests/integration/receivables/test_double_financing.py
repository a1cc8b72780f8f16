"""One invoice, one financing: an invoice pledged to a loan, guaranteed, or in a purchase is
not offered to, and is refused by, every other product (urikake.receivables.encumbrances).

Found walking the demo as its client: the purchase form offered the invoices pledged under
the demo's 担保融資 (DEMO-L-…) and those under a 売掛保証 (DEMO-G-…).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import make_deal
from tests.integration.guarantees.helpers import active_individual
from tests.integration.lending.helpers import borrower, invoice, staff
from tests.integration.treasury.helpers import contracted_deal, perfect
from urikake.domain.errors import DomainError
from urikake.guarantees import services as guarantees
from urikake.guarantees.models import GuaranteeContract
from urikake.lending import services as lending
from urikake.lending.models import Collateral, LoanFacility
from urikake.receivables import maintenance
from urikake.receivables import services as receivables
from urikake.receivables.encumbrances import encumbrance_sources
from urikake.receivables.models import FinancingApplication
from urikake.servicing.funding import fund_application
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db


def _pledge(user, org, *invoices):
    return lending.apply_for_loan(
        org,
        acting_user=user,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=1_000_000,
        purpose="運転資金",
        invoices=list(invoices),
    )


def _page(client: Client, name: str) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200, response  # not a redirect to a consent or login page
    return response.content.decode()


def _refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == "invoice.encumbered", caught.value
    return caught.value


def _apply(user, org, *invoices):
    return receivables.create_application(
        org, acting_user=user, product="three_party", invoices=list(invoices)
    )


def test_every_product_registers_what_it_holds():
    assert set(encumbrance_sources()) >= {"factoring", "loan_collateral", "guarantee"}


def test_a_pledged_invoice_is_neither_offered_nor_sold():
    user, org = borrower()
    pledged, free = invoice(org, user, 1_100_000), invoice(org, user, 550_000)
    _pledge(user, org, pledged)

    # The purchase form leaves it out and says why.
    client = applicant_client(user)
    page = _page(client, "receivables:applications")
    assert 'name="invoices"' in page
    assert free.invoice_number in page
    assert pledged.invoice_number not in page
    assert "（1件）は、二重の資金化を防ぐため" in page

    # A hand-made POST with it changes nothing.
    before = FinancingApplication.objects.count()
    response = client.post(
        reverse("receivables:applications"),
        {"product": "three_party", "invoices": [pledged.pk]},
    )
    assert response.status_code == 200
    assert FinancingApplication.objects.count() == before

    # The service refuses it, naming the invoice and the loan; English says the same.
    error = _refused(_apply, user, org, pledged)
    assert pledged.invoice_number in error.message
    assert "担保融資の担保として差入れ中" in error.message
    assert error.params["held_by"] == "loan_collateral"
    assert "pledged as collateral" in error.message_for("en")
    assert pledged.invoice_number in error.message_for("en")
    assert FinancingApplication.objects.count() == before
    # The free one still sells.
    assert _apply(user, org, free).status == "draft"


def test_the_api_answers_422_with_the_code():
    user, org = borrower()
    pledged = invoice(org, user, 1_100_000)
    _pledge(user, org, pledged)
    client = applicant_client(user)
    before = FinancingApplication.objects.count()
    response = client.post(
        "/api/receivables/applications",
        {"product": "three_party", "invoice_ids": [pledged.pk]},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invoice.encumbered"
    assert error["field"] == "invoice_ids"
    assert pledged.invoice_number in error["message"]
    assert FinancingApplication.objects.count() == before


def test_an_invoice_in_a_purchase_is_not_pledged_nor_guaranteed():
    deal = make_deal(accept=False)  # submitted and offered
    before = LoanFacility.objects.count()
    error = _refused(_pledge, deal.user, deal.organization, deal.invoice)
    assert "ファクタリング（買取）のお申込み中または買取済み" in error.message
    assert LoanFacility.objects.count() == before
    assert not Collateral.objects.filter(invoice=deal.invoice).exists()

    today = timezone.localdate()
    _refused(
        guarantees.apply,
        deal.organization,
        acting_user=deal.user,
        scheme="individual",
        debtor=deal.invoice.debtor,
        invoice=deal.invoice,
        requested_amount=1_000_000,
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    assert not GuaranteeContract.objects.filter(invoice=deal.invoice).exists()

    # Nor is it listed on the loan's or the guarantee's application page; a free one is.
    free = invoice(deal.organization, deal.user, 550_000)
    client = applicant_client(deal.user)
    for name in ("lending:apply", "guarantees:apply"):
        page = _page(client, name)
        assert free.invoice_number in page, name
        assert deal.invoice.invoice_number not in page, name


def test_the_same_invoice_is_not_submitted_twice():
    deal = make_deal(accept=False)
    _refused(_apply, deal.user, deal.organization, deal.invoice)


def test_a_guaranteed_invoice_is_neither_sold_nor_pledged():
    user, org = borrower()
    contract, guaranteed = active_individual(user, org, staff("reviewer"))
    error = _refused(_apply, user, org, guaranteed)
    assert "売掛保証の対象" in error.message
    _refused(_pledge, user, org, guaranteed)
    assert contract.status == "active"


def test_a_draft_whose_invoice_was_pledged_meanwhile_is_not_submitted():
    user, org = borrower()
    inv = invoice(org, user, 1_100_000)
    draft = _apply(user, org, inv)
    _pledge(user, org, inv)  # a draft holds nothing: the loan may take it
    _refused(receivables.submit_application, draft, acting_user=user)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_funding_refuses_an_invoice_taken_since_submission():
    """The last line: a pledge that slipped in (a race the row locks close) stops the
    purchase, and nothing is bought."""
    reviewer = staff("treasury")
    deal = contracted_deal()
    perfect(deal, reviewer)
    facility = _pledge(deal.user, deal.organization, invoice(deal.organization, deal.user, 1_000))
    Collateral.objects.create(
        facility=facility,
        organization=deal.organization,
        invoice=deal.invoice,
        face_amount=deal.invoice.total_amount,
        grade="normal",
        method="registration",
        advance_rate="0.800",
    )
    with pytest.raises(DomainError) as caught:
        fund_application(deal.application, acting_user=reviewer)
    assert caught.value.code == "invoice.encumbered"
    assert not Position.objects.filter(application=deal.application).exists()
    deal.application.refresh_from_db()
    assert deal.application.status == "contracted"


def test_the_guarantee_page_leaves_out_a_pledged_invoice():
    user, org = borrower()
    pledged, free = invoice(org, user, 1_100_000), invoice(org, user, 550_000)
    _pledge(user, org, pledged)
    page = _page(applicant_client(user), "guarantees:apply")
    assert free.invoice_number in page, "the free invoice should be offered"
    assert pledged.invoice_number not in page


def test_a_pledged_invoice_can_be_neither_edited_nor_deleted():
    """The loan holds the invoice at the amount it was pledged for: changing or deleting it
    under the loan would leave the collateral pointing at something else."""
    user, org = borrower()
    pledged = invoice(org, user, 1_100_000)
    _pledge(user, org, pledged)
    client = applicant_client(user)
    page = client.get(reverse("receivables:invoice", args=[pledged.pk]))
    assert page.status_code == 200
    assert "担保融資の担保として差入れ中のため、変更・削除できません" in page.content.decode()
    response = client.post(f"/my/invoices/{pledged.pk}/delete/")
    assert response.status_code == 302
    pledged.refresh_from_db()  # still there
    assert pledged.total_amount == 1_100_000
    with pytest.raises(DomainError) as caught:
        maintenance.delete_invoice(pledged, acting_user=user)
    assert caught.value.code == "invoice.locked"


def test_the_purchase_form_asks_each_product_once(monkeypatch):
    # The form leaves out the held invoices and counts them: one set of the products'
    # subqueries serves both (building them was a fifth of the page's work), and the answer
    # is the same as asking each question alone.
    from urikake.receivables import encumbrances

    user, org = borrower()
    pledged, free = invoice(org, user, 1_100_000), invoice(org, user, 550_000)
    _pledge(user, org, pledged)
    asked: list[str] = []
    for key, source in list(encumbrances._SOURCES.items()):

        def counted(held=source.held, key=key):
            asked.append(key)
            return held()

        monkeypatch.setitem(
            encumbrances._SOURCES, key, encumbrances.EncumbranceSource(key, source.label, counted)
        )
    page = _page(applicant_client(user), "receivables:applications")
    assert sorted(asked) == sorted(encumbrance_sources())
    assert free.invoice_number in page
    assert pledged.invoice_number not in page
    assert "（1件）は、二重の資金化を防ぐため" in page
    registered = org.invoices.all()
    held = encumbrances.held_now()
    assert list(encumbrances.unencumbered(registered, held=held)) == [free]
    assert list(encumbrances.unencumbered(registered)) == [free]
    assert encumbrances.encumbered_count(registered, held=held) == 1
    assert encumbrances.encumbered_count(registered) == 1
