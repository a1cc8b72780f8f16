"""The bulk-factoring API and pages end to end: a buyer uploads by API (a refused file
answers every problem and saves nothing), a supplier lists only its own receivables, gets a
quote and requests an early payment with an Idempotency-Key (a retry is the same answer);
another organisation's payable is a 404. The pages: the upload form shows row errors, the
early-payment page shows the discount and APR before the supplier confirms."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.clients import applicant_client
from tests.integration.bulk.helpers import business_day, buyer, csv_of, supplier
from tests.integration.lending.helpers import staff
from urikake.bulk.models import Payable
from urikake.ledger import services as ledger
from urikake.treasury.models import Payout
from urikake.treasury.policy import payout_queue_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_user_model):
    reviewer = staff("reviewer")
    buyer_user, _buyer_org, program = buyer(reviewer)
    s1 = supplier(program, reviewer, "S1")
    s2 = supplier(program, reviewer, "S2")
    return reviewer, buyer_user, program, s1, s2


def test_api_upload_list_quote_and_early_payment(world) -> None:
    _, buyer_user, _program, (u1, _o1, _s1), (_u2, _o2, _s2) = world
    due = business_day(40)
    api = applicant_client(buyer_user)
    bad = csv_of([("S1", "A-1", 10_000, due), ("S9", "A-2", 10_000, due)]).decode()
    r = api.post("/api/bulk/payables", {"csv": bad}, content_type="application/json")
    assert r.status_code == 422
    body = r.json()["error"]
    assert body["code"] == "bulk.upload_refused"
    assert body["problems"][0]["line"] == 3
    assert body["problems"][0]["code"] == "bulk.supplier_unknown"
    assert not Payable.objects.exists()
    good = csv_of([("S1", "A-1", 100_000, due), ("S2", "B-1", 200_000, due)]).decode()
    r = api.post("/api/bulk/payables", {"csv": good}, content_type="application/json")
    assert r.status_code == 201
    assert r.json()["rows"] == 2
    assert len(api.get("/api/bulk/payables").json()) == 2

    # A supplier sees its own receivables only, and not the buyer list.
    c1 = applicant_client(u1)
    mine = c1.get("/api/bulk/receivables").json()
    assert [p["invoice_number"] for p in mine] == ["A-1"]
    assert c1.get("/api/bulk/payables").status_code == 422  # not a buyer
    other = Payable.objects.get(invoice_number="B-1")
    assert c1.get(f"/api/bulk/receivables/{other.pk}/quote").status_code == 404
    assert (
        c1.post(
            f"/api/bulk/receivables/{other.pk}/early-payment",
            {"expected_net": 1},
            content_type="application/json",
            headers={"Idempotency-Key": "x"},
        ).status_code
        == 404
    )

    pid = mine[0]["id"]
    quote = c1.get(f"/api/bulk/receivables/{pid}/quote").json()
    assert quote["net"] == 100_000 - quote["discount"]
    # No key: refused, nothing moves.
    r = c1.post(
        f"/api/bulk/receivables/{pid}/early-payment",
        {"expected_net": quote["net"]},
        content_type="application/json",
    )
    assert r.status_code == 422
    assert not Payout.objects.exists()
    key = uuid.uuid4().hex
    first = c1.post(
        f"/api/bulk/receivables/{pid}/early-payment",
        {"expected_net": quote["net"]},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert first.status_code == 200
    assert first.json()["status"] == "early"
    again = c1.post(
        f"/api/bulk/receivables/{pid}/early-payment",
        {"expected_net": quote["net"]},
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert again.json() == first.json()
    assert Payout.objects.filter(kind="bulk").count() == 1
    assert ledger.trial_balance().balanced


def test_pages_upload_errors_quote_and_confirm(world) -> None:
    _, buyer_user, _program, (u1, _o1, s1), _ = world
    due = business_day(40)
    page = applicant_client(buyer_user)
    r = page.post(
        "/my/bulk/payables/upload/",
        {"file": _file(csv_of([("S7", "A-1", 1_000, due)]))},
    )
    assert r.status_code == 200
    assert "upload-errors" in r.content.decode()
    assert "登録された仕入先ではありません" in r.content.decode()
    r = page.post(
        "/my/bulk/payables/upload/", {"file": _file(csv_of([("S1", "A-1", 500_000, due)]))}
    )
    assert r.status_code == 302
    home = page.get("/my/bulk/").content.decode()
    assert "A-1" in home
    assert "支払期日ごとのお支払額" in home

    sup = applicant_client(u1)
    payable = Payable.objects.get()
    assert "A-1" in sup.get(f"/my/bulk/programs/{s1.pk}/").content.decode()
    early = sup.get(f"/my/bulk/receivables/{payable.pk}/early/")
    html = early.content.decode()
    assert 'id="apr"' in html
    assert 'id="discount"' in html
    # The day the money would arrive if asked now (the discount runs from it).
    assert f'id="paid-on">{payout_queue_date():%Y-%m-%d}<' in html
    net = int(early.context["quote"].net)
    r = sup.post(f"/my/bulk/receivables/{payable.pk}/early/", {"expected_net": net, "agree": "on"})
    assert r.status_code == 302
    payable.refresh_from_db()
    assert payable.status == Payable.Status.EARLY
    # The buyer's member is not the supplier: the supplier's page is a 404 to it.
    assert page.get(f"/my/bulk/programs/{s1.pk}/").status_code == 404
    assert page.get(f"/my/bulk/receivables/{payable.pk}/early/").status_code == 404


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.csv", data, content_type="text/csv")
