"""債権譲渡登記の申請データ from the back office: the parties' 12-digit 会社法人等番号, the
debtor's address as entered, the operator's identifiers from settings, and XML that is valid
against the registry schema (domain/data/registration_filing.xsd)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from lxml import etree

from tests.integration.treasury.helpers import contracted_deal
from urikake.domain import perfection
from urikake.receivables.models import Debtor

pytestmark = pytest.mark.django_db

SCHEMA = Path(perfection.__file__).parent / "data" / "registration_filing.xsd"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture
def staff_client(treasury_staff) -> Client:
    client = Client()
    client.force_login(treasury_staff)
    return client


@pytest.fixture(autouse=True)
def operator(settings) -> None:
    settings.CONTRACT_ASSIGNEE_NAME = "株式会社ウリカケ"
    settings.CONTRACT_ASSIGNEE_ADDRESS = "東京都千代田区大手町1-1-1"
    settings.CONTRACT_ASSIGNEE_CORPORATE_NUMBER = "7999901000001"


def _two_party_deal(debtor_address: str):
    deal = contracted_deal("two_party")
    org = deal.organization
    org.corporate_number = "5999901000003"
    org.save(update_fields=["corporate_number"])
    Debtor.objects.filter(pk=deal.debtor.pk).update(address=debtor_address)
    return deal


def test_the_filing_data_names_everyone_as_the_registry_needs(staff_client) -> None:
    deal = _two_party_deal("東京都港区芝公園4-2-8")
    response = staff_client.get(f"/backoffice/treasury/deals/{deal.application.pk}/filing.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content, PARSER)
    schema = etree.XMLSchema(etree.parse(str(SCHEMA), PARSER))
    assert schema.validate(root), schema.error_log
    assert root.findtext("譲渡人/商号") == deal.organization.name
    assert root.findtext("譲渡人/会社法人等番号") == "999901000003"
    assert root.findtext("譲受人/商号") == "株式会社ウリカケ"
    assert root.findtext("譲受人/本店") == "東京都千代田区大手町1-1-1"
    assert root.findtext("譲受人/会社法人等番号") == "999901000001"
    claim = root.find("債権個別事項/債権")
    assert claim is not None
    assert claim.findtext("債務者本店") == "東京都港区芝公園4-2-8"
    assert claim.findtext("債務者会社法人等番号") == deal.debtor.corporate_number[1:]
    assert len(claim.findtext("債務者会社法人等番号") or "") == 12
    assert claim.findtext("債権額") == str(deal.invoice.total_amount)


def test_a_filing_without_the_debtor_address_is_refused_in_japanese(staff_client) -> None:
    deal = _two_party_deal("")
    url = f"/backoffice/treasury/deals/{deal.application.pk}/filing.xml"
    response = staff_client.get(url, follow=True)
    html = response.content.decode()
    assert "債権譲渡登記の申請データに必要な項目が足りません" in html
    assert "本店（所在地）がありません" in html
    assert response.redirect_chain[-1][0].endswith(f"/deals/{deal.application.pk}/")
