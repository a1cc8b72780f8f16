"""Who sees and signs what: own organisation only (404 otherwise), owners sign, staff read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse

from tests.fixtures.clients import accept_current_terms
from tests.fixtures.deals import Deal, make_deal
from urikake.accounts.models import User
from urikake.applicants.models import Membership
from urikake.contracts import services
from urikake.contracts.models import ContractDocument, ContractSignature
from urikake.domain.errors import DomainError

from .conftest import PASSWORD, owner_client

pytestmark = pytest.mark.django_db


def _sign(deal: Deal) -> list[ContractDocument]:
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    services.sign_contracts(
        deal.application,
        acting_user=deal.user,
        agreed_hashes={d.document_number: d.sha256 for d in docs},
        ip_address="192.0.2.1",
        user_agent="ua",
    )
    return list(ContractDocument.objects.filter(application=deal.application).order_by("pk"))


def _staff(role: str) -> Client:
    email = f"{role}-{uuid.uuid4().hex[:6]}@staff.example"
    user = User.objects.create_user(email=email, password="x" * 20, is_staff=True, staff_role=role)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_another_organisation_gets_404_everywhere() -> None:
    # A different amount and due date: the same invoice twice would be a double assignment.
    mine, theirs = make_deal(), make_deal(amount=2_200_000, due_days=45)
    docs = _sign(mine)
    other = owner_client(theirs)
    app_id = mine.application.pk
    for url in (
        reverse("contracts:detail", args=[app_id]),
        reverse("contracts:sign", args=[app_id]),
        reverse("contracts:document_pdf", args=[docs[0].pk]),
        f"/api/contracts/applications/{app_id}",
        f"/api/contracts/documents/{docs[0].pk}/pdf",
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(reverse("contracts:sign", args=[app_id]), {"agree": "on"}).status_code == 404
    # And the service refuses a user of another organisation even if a view forgot to.
    with pytest.raises(DomainError) as exc:
        services.sign_contracts(
            theirs.application,
            acting_user=mine.user,
            agreed_hashes={},
            ip_address=None,
            user_agent="",
        )
    assert exc.value.code == "contract.owner_only"


def test_members_read_but_only_owners_sign() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    member = User.objects.create_user(
        email=f"m-{uuid.uuid4().hex[:6]}@example.jp", password=PASSWORD
    )
    Membership.objects.create(user=member, organization=deal.organization, role="member")
    accept_current_terms(member)
    client = Client()
    client.login(email=member.email, password=PASSWORD)
    page = client.get(reverse("contracts:detail", args=[deal.application.pk]))
    assert page.status_code == 200
    assert "オーナー権限をもつ方だけ" in page.content.decode()
    assert client.get(reverse("contracts:document_pdf", args=[docs[0].pk])).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    form = {"agree": "on", "document": [f"{d.document_number}:{d.sha256}" for d in docs]}
    response = client.post(reverse("contracts:sign", args=[deal.application.pk]), form)
    assert response.status_code == 302
    assert not ContractSignature.objects.exists()
    with pytest.raises(DomainError):
        services.sign_contracts(
            deal.application,
            acting_user=member,
            agreed_hashes={d.document_number: d.sha256 for d in docs},
            ip_address=None,
            user_agent="",
        )


def test_api_reports_documents_and_status() -> None:
    deal = make_deal()
    client = owner_client(deal)
    url = f"/api/contracts/applications/{deal.application.pk}"
    before = client.get(url).json()
    assert before["application_status"] == "accepted"
    assert before["contracted"] is False
    assert before["signature"] is None
    assert [d["kind"] for d in before["documents"]] == ["agreement", "notice"]
    assert all(len(d["sha256"]) == 64 and not d["signed"] for d in before["documents"])
    unsigned = client.get(before["documents"][0]["pdf_url"])
    assert unsigned.status_code == 200
    assert services.sha256(unsigned.content) == before["documents"][0]["sha256"]

    _sign(deal)
    after = client.get(url).json()
    assert after["application_status"] == "contracted"
    assert after["contracted"] is True
    assert after["signature"]["document_hashes"] == {
        d["document_number"]: d["sha256"] for d in before["documents"]
    }
    doc = after["documents"][0]
    signed = client.get(doc["pdf_url"])
    assert services.sha256(signed.content) == doc["signed_sha256"]
    original = client.get(doc["pdf_url"] + "?version=unsigned")
    assert services.sha256(original.content) == doc["sha256"]
    assert client.get("/api/contracts/documents/999999/pdf").status_code == 404
    assert client.get("/api/contracts/applications/999999").status_code == 404


def test_api_refuses_staff_and_anonymous() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    for client in (Client(), _staff("treasury")):
        assert client.get(f"/api/contracts/documents/{docs[0].pk}/pdf").status_code == 401
        assert client.get(f"/api/contracts/applications/{deal.application.pk}").status_code == 401


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("treasury", True), ("reviewer", True), ("compliance", True), ("structuring", False)],
)
def test_back_office_lists_and_downloads_contracts(role: str, allowed: bool) -> None:
    signed_deal = make_deal()
    open_deal = make_deal(product="two_party", amount=2_200_000, due_days=45)
    docs = _sign(signed_deal)
    services.prepare_contracts(open_deal.application, acting_user=open_deal.user)
    client = _staff(role)
    listing = client.get(reverse("contracts_backoffice:list"))
    download = client.get(reverse("contracts_backoffice:document_pdf", args=[docs[0].pk]))
    if not allowed:
        assert listing.status_code == 403
        assert download.status_code == 403
        return
    html = listing.content.decode()
    assert listing.status_code == 200
    for doc in ContractDocument.objects.all():
        assert doc.document_number in html
    assert "契約締結" in html
    assert download.status_code == 200
    assert download.content == bytes(docs[0].signed_pdf)
    signed_only: Any = client.get(reverse("contracts_backoffice:list"), {"state": "signed"})
    assert f"UK-{open_deal.application.pk:06d}-A" not in signed_only.content.decode()
    assert docs[0].document_number in signed_only.content.decode()
