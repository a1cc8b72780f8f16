"""PAdES B-T: with ``CONTRACT_TSA_URL`` set, the seal carries an RFC 3161 timestamp token
fetched over HTTP from the TSA (here the local simulator), which validates against the TSA's
root; pdfsig still verifies the document."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from tests.fixtures.deals import make_deal
from urikake.contracts import services
from urikake.contracts.models import ContractDocument
from urikake.contracts.signing import signing_identity

from .test_signing import pdfsig

pytestmark = pytest.mark.django_db


def _sign(deal) -> list[ContractDocument]:
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    services.sign_contracts(
        deal.application,
        acting_user=deal.user,
        agreed_hashes={d.document_number: d.sha256 for d in docs},
        ip_address="192.0.2.1",
        user_agent="ua",
    )
    return list(ContractDocument.objects.filter(application=deal.application))


def test_seal_carries_a_validating_timestamp(tsa_simulator, tmp_path: Path) -> None:
    documents = _sign(make_deal())
    # pyHanko asks once to size the signature field, then for the real token.
    assert tsa_simulator.requests == 2 * len(documents)
    identity = signing_identity()
    for doc in documents:
        signed = bytes(doc.signed_pdf)
        embedded = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
        status = validate_pdf_signature(
            embedded,
            signer_validation_context=ValidationContext(
                trust_roots=list(identity.chain), allow_fetching=False
            ),
            ts_validation_context=ValidationContext(
                trust_roots=[tsa_simulator.root], allow_fetching=False
            ),
        )
        assert status.intact
        assert status.valid
        assert status.timestamp_validity is not None
        assert status.timestamp_validity.intact
        assert status.timestamp_validity.valid
        report = pdfsig(signed, tmp_path, f"{doc.document_number}.pdf")
        assert "Signature is Valid." in report, report


def test_without_a_tsa_the_seal_is_b_b(settings) -> None:
    settings.CONTRACT_TSA_URL = ""
    doc = _sign(make_deal())[0]
    embedded = PdfFileReader(io.BytesIO(bytes(doc.signed_pdf))).embedded_signatures[0]
    assert "signature_time_stamp_token" not in {
        attr["type"].native for attr in (embedded.signer_info["unsigned_attrs"] or [])
    }


def test_an_unreachable_tsa_refuses_to_sign_and_changes_nothing(settings) -> None:
    settings.CONTRACT_TSA_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    deal = make_deal()
    with pytest.raises(Exception):  # noqa: B017, PT011 — pyHanko's TSA error type varies
        _sign(deal)
    deal.application.refresh_from_db()
    assert deal.application.status == "accepted"
    assert not any(d.signed_pdf for d in ContractDocument.objects.all())


def test_the_simulator_refuses_what_is_not_a_timestamp_query(tsa_simulator) -> None:
    request = urllib.request.Request(
        tsa_simulator.url, data=b"hello", headers={"Content-Type": "text/plain"}
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 415
    request = urllib.request.Request(
        tsa_simulator.url,
        data=b"\x30\x03\x02\x01\x01",
        headers={"Content-Type": "application/timestamp-query"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=5)
    assert exc.value.code == 400


def test_the_tsa_is_reached_only_over_http() -> None:
    from urikake.integrations.tsa.client import TsaTimeStamper

    with pytest.raises(ValueError, match="CONTRACT_TSA_URL"):
        TsaTimeStamper("file:///etc/passwd")
