"""The applicant's treasury pages: own purchases only, the two-party receipt report and the
overdue-forwarding warning."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import accept_current_terms
from tests.integration.treasury.test_overdue import audit_actions, purchased
from urikake.audit.models import AuditRecord
from urikake.domain.bank_calendar import add_bank_business_days
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db


def _client(p: Position) -> Client:
    client = Client()
    client.force_login(p.organization.memberships.get(role="owner").user)
    return client


@pytest.fixture
def two_orgs() -> tuple[Position, Position]:
    mine = purchased("two_party")
    theirs = purchased("three_party", amount=3_300_000)
    for p in (mine, theirs):
        accept_current_terms(p.organization.memberships.get(role="owner").user)
    return mine, theirs


def test_list_shows_only_the_own_organisations_purchases(two_orgs: Any) -> None:
    mine, theirs = two_orgs
    client = _client(mine)
    html = client.get("/my/treasury/").content.decode()
    assert f"/my/treasury/{mine.pk}/" in html
    assert f"/my/treasury/{theirs.pk}/" not in html
    assert mine.invoice.invoice_number in html
    assert theirs.invoice.invoice_number not in html
    assert client.get(f"/my/treasury/{mine.pk}/").status_code == 200
    # Another organisation's object is a 404, for reading and for reporting.
    assert client.get(f"/my/treasury/{theirs.pk}/").status_code == 404
    response = client.post(
        f"/my/treasury/{theirs.pk}/",
        {"received_on": timezone.localdate().isoformat(), "amount": "1000"},
    )
    assert response.status_code == 404
    assert "purchase.collection_reported" not in audit_actions(theirs)


def test_report_collection_sets_the_forward_deadline(two_orgs: Any) -> None:
    mine, _ = two_orgs
    client = _client(mine)
    today = timezone.localdate()
    html = client.get(f"/my/treasury/{mine.pk}/").content.decode()
    assert "売掛先から入金がありました" in html

    # Bad input changes nothing.
    response = client.post(
        f"/my/treasury/{mine.pk}/", {"received_on": today.isoformat(), "amount": "12.5"}
    )
    assert response.status_code == 200
    response = client.post(
        f"/my/treasury/{mine.pk}/",
        {"received_on": today.isoformat(), "amount": str(mine.face_amount + 1)},
    )
    assert "未回収額" in response.content.decode()
    mine.refresh_from_db()
    assert mine.forward_due_on is None

    response = client.post(
        f"/my/treasury/{mine.pk}/",
        {"received_on": today.isoformat(), "amount": f"{mine.face_amount:,}"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.forward_due_on == add_bank_business_days(today, 2)
    record = AuditRecord.objects.get(action="purchase.collection_reported", object_id=str(mine.pk))
    assert record.payload["amount"] == mine.face_amount
    assert record.actor == f"user:{mine.organization.memberships.get(role='owner').user_id}"
    html = client.get(f"/my/treasury/{mine.pk}/").content.decode()
    assert "お預かり中の回収金" in html


def test_three_party_purchases_need_no_report(two_orgs: Any) -> None:
    _, theirs = two_orgs
    client = _client(theirs)
    html = client.get(f"/my/treasury/{theirs.pk}/").content.decode()
    assert "売掛先から入金がありました" not in html
    response = client.post(
        f"/my/treasury/{theirs.pk}/",
        {"received_on": timezone.localdate().isoformat(), "amount": "1000"},
    )
    assert "報告は不要です" in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.forward_due_on is None


def test_overdue_forwarding_is_shown_as_a_warning(two_orgs: Any) -> None:
    mine, _ = two_orgs
    client = _client(mine)
    assert "転送期限を過ぎた回収金があります" not in client.get("/my/treasury/").content.decode()
    Position.objects.filter(pk=mine.pk).update(
        forward_due_on=timezone.localdate() - timedelta(days=3)
    )
    html = client.get("/my/treasury/").content.decode()
    assert "転送期限を過ぎた回収金があります" in html
    assert "3日超過" in html
    assert 'role="alert"' in client.get(f"/my/treasury/{mine.pk}/").content.decode()
