"""The client's and the back office's guarantee pages with Django's test client: a revolving
guarantee applied for on the page, decided with usage premium, receivables reported and one
reported paid; bad input gives a Japanese error and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client, logged_in
from tests.integration.guarantees.helpers import client, invoice, staff
from urikake.guarantees.models import GuaranteeContract, GuaranteedReceivable

pytestmark = pytest.mark.django_db


def _http(user) -> Client:
    return logged_in(user) if user.is_staff else applicant_client(user)


def test_revolving_guarantee_through_the_pages() -> None:
    user, org = client()
    reviewer = staff("reviewer")
    first = invoice(org, user, 400_000)
    second = invoice(org, user, 300_000)
    today = timezone.localdate()
    me = _http(user)
    form = {
        "scheme": "revolving",
        "debtor": str(first.debtor_id),
        "invoice": "",
        "requested_amount": "5,000,000円",
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=400)).isoformat(),
    }
    page = me.post("/my/guarantees/apply/", form)
    assert page.status_code == 200
    assert "保証期間は1年以内にしてください。" in page.content.decode()
    assert not GuaranteeContract.objects.exists()
    form["period_end"] = (today + timedelta(days=364)).isoformat()
    response = me.post("/my/guarantees/apply/", form)
    contract = GuaranteeContract.objects.get()
    assert response.headers["Location"] == f"/my/guarantees/{contract.pk}/"
    assert contract.requested_amount == 5_000_000

    desk = _http(reviewer)
    assert desk.get(f"/backoffice/guarantees/{contract.pk}/").status_code == 200
    desk.post(
        f"/backoffice/guarantees/{contract.pk}/decide/",
        {
            "decision": "approve",
            "grade": "low",
            "amount": "600000",
            "premium_rate": "",
            "premium_basis": "usage",
            "coverage_percent": "90",
            "waiting_days": "60",
            "comment": "",
        },
    )
    contract.refresh_from_db()
    assert contract.status == "approved"
    assert str(contract.coverage_ratio) == "0.900"
    me.post(
        f"/my/guarantees/{contract.pk}/sign/", {"sha256": contract.contract_sha256, "agree": "on"}
    )
    contract.refresh_from_db()
    assert contract.status == "active"

    me.post(f"/my/guarantees/{contract.pk}/report/", {"invoice": str(first.pk), "amount": ""})
    over = me.post(
        f"/my/guarantees/{contract.pk}/report/",
        {"invoice": str(second.pk), "amount": ""},
        follow=True,
    )
    assert "保証極度額（600,000円）を超えます" in over.content.decode()
    rows = GuaranteedReceivable.objects.filter(contract=contract)
    assert [(r.invoice_id, r.premium) for r in rows] == [(first.pk, 16_000)]  # 400,000 × 4%
    detail = me.get(f"/my/guarantees/{contract.pk}/").content.decode()
    assert "16,000" in detail
    assert 'value="low"' not in detail  # no internal codes for the client
    me.post(f"/my/guarantees/{contract.pk}/settled/", {"receivable": str(rows[0].pk)})
    assert rows[0].__class__.objects.get(pk=rows[0].pk).status == "settled"
    # The limit is free again.
    me.post(f"/my/guarantees/{contract.pk}/report/", {"invoice": str(second.pk), "amount": ""})
    assert GuaranteedReceivable.objects.filter(contract=contract, status="covered").count() == 1
