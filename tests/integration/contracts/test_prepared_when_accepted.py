"""Documents are prepared by the service that moves the state, never by a read (issue 9
item 8): accepting the offer prepares them in the same transaction; signing opens the
perfection record; an application accepted before this gets its documents from a POST."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.deals import make_deal
from tests.integration.contracts.conftest import owner_client
from urikake.audit.models import AuditRecord
from urikake.contracts import services
from urikake.contracts.models import ContractDocument
from urikake.domain.applications import ApplicationStatus
from urikake.domain.errors import DomainError
from urikake.receivables import services as receivables
from urikake.treasury.models import Perfection

pytestmark = pytest.mark.django_db


def test_accepting_the_offer_prepares_the_documents_once() -> None:
    deal = make_deal()  # accepts the offer
    documents = ContractDocument.objects.filter(application=deal.application)
    assert documents.count() == 2
    prepared = AuditRecord.objects.get(action="contract.prepared")
    accepted = AuditRecord.objects.get(action="application.accepted")
    assert prepared.seq == accepted.seq + 1  # the same transaction, right after the move
    assert prepared.payload["documents"] == {d.document_number: d.sha256 for d in documents}


def test_an_offer_that_cannot_be_contracted_is_not_accepted(settings: Any) -> None:
    deal = make_deal(accept=False)
    settings.ZENGIN_ACCOUNT_NUMBER = ""  # the platform's collection account is missing
    with pytest.raises(DomainError) as exc:
        receivables.accept_offer(deal.application, acting_user=deal.user)
    assert exc.value.code == "contract.payee_account_missing"
    deal.application.refresh_from_db()
    assert deal.application.status == ApplicationStatus.OFFERED
    assert not ContractDocument.objects.exists()
    assert not AuditRecord.objects.filter(action="application.accepted").exists()


def _accepted_before_this_change():
    deal = make_deal(accept=False)
    deal.application = receivables._move(
        deal.application, ApplicationStatus.ACCEPTED, actor=deal.user, action="application.accepted"
    )
    return deal


def test_an_older_accepted_application_gets_its_documents_from_a_post() -> None:
    deal = _accepted_before_this_change()
    client = owner_client(deal)
    url = f"/my/contracts/{deal.application.pk}/"
    page = client.get(url).content.decode()
    assert "契約書類を作成する" in page
    assert not ContractDocument.objects.exists()
    client.post(url)
    assert ContractDocument.objects.filter(application=deal.application).count() == 2
    assert "契約書類を作成する" not in client.get(url).content.decode()


def test_the_api_reads_without_preparing_and_prepares_on_post() -> None:
    deal = _accepted_before_this_change()
    client = owner_client(deal)
    url = f"/api/contracts/applications/{deal.application.pk}"
    assert client.get(url).json()["documents"] == []
    assert not ContractDocument.objects.exists()
    prepared = client.post(f"{url}/documents").json()["documents"]
    assert len(prepared) == 2
    again = client.post(f"{url}/documents").json()["documents"]
    assert [d["id"] for d in again] == [d["id"] for d in prepared]
    assert client.get(url).json()["documents"] == prepared


def test_signing_opens_the_perfection_record() -> None:
    deal = make_deal()
    documents = services.documents_of(deal.application)
    services.sign_contracts(
        deal.application,
        acting_user=deal.user,
        agreed_hashes={d.document_number: d.sha256 for d in documents},
        ip_address="192.0.2.1",
        user_agent="test",
    )
    perfection = Perfection.objects.get(application=deal.application)
    assert perfection.method == "notice"  # three-party: notice to the debtor
    assert perfection.stage == "pending"
