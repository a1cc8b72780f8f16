"""Signing in the app: re-authentication, the agreement record, the platform's PAdES seal
(verified by poppler's pdfsig, which must also catch a flipped byte), idempotency."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tests.fixtures.deals import make_deal
from urikake.audit.models import AuditRecord
from urikake.contracts import services
from urikake.contracts.models import ContractDocument, ContractSignature
from urikake.domain.errors import DomainError
from urikake.receivables import services as receivables

from .conftest import PASSWORD, owner_client

pytestmark = pytest.mark.django_db

PDFSIG = shutil.which("pdfsig")


def _sign_form(client: Client, app_id: int) -> dict[str, Any]:
    """What the sign page posts: every document it showed, with its hash, and the tick."""
    page = client.get(reverse("contracts:sign", args=[app_id]))
    assert page.status_code == 200
    docs = page.context["documents"]
    assert docs
    return {"agree": "on", "document": [f"{d.document_number}:{d.sha256}" for d in docs]}


def _reauthenticate(client: Client) -> None:
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def pdfsig(data: bytes, tmp_path: Path, name: str) -> str:
    assert PDFSIG, "poppler-utils (pdfsig) must be installed"
    path = tmp_path / name
    path.write_bytes(data)
    run = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def test_sign_flow_reauthenticates_records_and_seals(tmp_path: Path) -> None:
    deal = make_deal(product="three_party")
    app = deal.application
    client = owner_client(deal)
    detail = reverse("contracts:detail", args=[app.pk])
    sign = reverse("contracts:sign", args=[app.pk])

    # The review page prepares the documents and shows their numbers and hashes.
    page = client.get(detail)
    assert page.status_code == 200
    docs = list(ContractDocument.objects.filter(application=app).order_by("pk"))
    html = page.content.decode()
    for doc in docs:
        assert doc.document_number in html
        assert doc.sha256 in html
    assert sign in html

    # Without a fresh password: to allauth's prompt (GET) / back to the sign page (POST).
    response = client.get(sign)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    form = {"agree": "on", "document": [f"{d.document_number}:{d.sha256}" for d in docs]}
    response = client.post(sign, form)
    assert response.status_code == 302
    assert response.url == sign
    app.refresh_from_db()
    assert app.status == "accepted"
    assert not ContractSignature.objects.exists()

    _reauthenticate(client)
    # Not ticking the box signs nothing.
    client.post(sign, {**_sign_form(client, app.pk), "agree": ""})
    assert not ContractSignature.objects.exists()

    response = client.post(sign, _sign_form(client, app.pk), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    assert response.url == detail

    app.refresh_from_db()
    assert app.status == "contracted"
    assert services.is_contracted(app)
    signature = ContractSignature.objects.get(application=app)
    assert signature.signer_id == deal.user.pk
    assert signature.ip_address == "203.0.113.7"
    assert signature.user_agent == "Mozilla/5.0 (contracts-test)"
    assert signature.reauthenticated_at is not None
    assert signature.reauthenticated_at <= signature.signed_at
    assert signature.document_hashes == {d.document_number: d.sha256 for d in docs}

    # One audit record for the state change: hashes, no IP address or user agent.
    record = AuditRecord.objects.get(action="application.contracted")
    assert record.actor == f"user:{deal.user.pk}"
    assert record.payload["status"] == "contracted"
    assert record.payload["documents"] == signature.document_hashes
    assert record.payload["contract_signature"] == signature.pk
    assert "203.0.113.7" not in str(record.payload)
    assert "Mozilla" not in str(record.payload)

    for doc in ContractDocument.objects.filter(application=app):
        unsigned, signed = bytes(doc.pdf), bytes(doc.signed_pdf)
        # An incremental update: the signed file starts with exactly what was agreed to.
        assert signed[: len(unsigned)] == unsigned
        assert (
            services.sha256(signed[: len(unsigned)])
            == signature.document_hashes[doc.document_number]
        )
        assert services.sha256(signed) == doc.signed_sha256
        # The agreement record is in the signature dictionary.
        sig = PdfReader(io.BytesIO(signed)).get_fields()["UrikakeSeal"]["/V"]
        assert f"user:{deal.user.pk}" in sig["/Reason"]
        assert doc.sha256 in sig["/Reason"]
        assert "203.0.113.7" in sig["/Location"]
        assert sig["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES

        report = pdfsig(signed, tmp_path, f"{doc.document_number}.pdf")
        assert "Signature Validation: Signature is Valid." in report, report
        assert "Total document signed" in report
        # Flip one byte inside the signed range (the author name in the first revision).
        at = signed.index(b"Urikake")
        tampered = signed[:at] + b"X" + signed[at + 1 :]
        report = pdfsig(tampered, tmp_path, f"{doc.document_number}-tampered.pdf")
        assert "Digest Mismatch" in report, report
        assert "Signature is Valid" not in report

    # The signed PDF is what the applicant downloads now; the original stays available.
    agreement = ContractDocument.objects.get(application=app, kind="agreement")
    url = reverse("contracts:document_pdf", args=[agreement.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == bytes(agreement.signed_pdf)
    assert client.get(url + "?version=unsigned").content == bytes(agreement.pdf)
    assert "締結済み" in client.get(detail).content.decode()


def test_second_sign_returns_the_first_signature() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    hashes = {d.document_number: d.sha256 for d in docs}
    kwargs: dict[str, Any] = {
        "acting_user": deal.user,
        "agreed_hashes": hashes,
        "ip_address": "192.0.2.1",
        "user_agent": "ua",
    }
    first = services.sign_contracts(deal.application, **kwargs)
    signed = {d.pk: bytes(d.signed_pdf) for d in ContractDocument.objects.all()}
    second = services.sign_contracts(deal.application, **{**kwargs, "ip_address": "192.0.2.9"})
    assert first.created
    assert not second.created
    assert second.signature.pk == first.signature.pk
    assert second.signature.ip_address == "192.0.2.1"
    assert {d.pk: bytes(d.signed_pdf) for d in ContractDocument.objects.all()} == signed
    assert ContractSignature.objects.count() == 1
    assert AuditRecord.objects.filter(action="application.contracted").count() == 1


def test_second_post_through_the_page_is_refused_cleanly() -> None:
    deal = make_deal()
    client = owner_client(deal)
    client.get(reverse("contracts:detail", args=[deal.application.pk]))
    _reauthenticate(client)
    sign = reverse("contracts:sign", args=[deal.application.pk])
    form = _sign_form(client, deal.application.pk)
    assert client.post(sign, form).status_code == 302
    again = client.post(sign, form, follow=True)
    assert again.status_code == 200
    assert "すでに締結済み" in again.content.decode()
    assert ContractSignature.objects.count() == 1


def test_hashes_that_differ_from_the_documents_are_refused() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    wrong = {d.document_number: "0" * 64 for d in docs}
    partial = {docs[0].document_number: docs[0].sha256}
    for agreed in (wrong, partial, {}):
        with pytest.raises(DomainError) as exc:
            services.sign_contracts(
                deal.application,
                acting_user=deal.user,
                agreed_hashes=agreed,
                ip_address=None,
                user_agent="",
            )
        assert exc.value.code == "contract.documents_changed"
    deal.application.refresh_from_db()
    assert deal.application.status == "accepted"
    assert not ContractSignature.objects.exists()


def test_only_accepted_applications_can_be_signed() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    receivables.cancel_application(deal.application, acting_user=deal.user)
    with pytest.raises(DomainError) as exc:
        services.sign_contracts(
            deal.application,
            acting_user=deal.user,
            agreed_hashes={d.document_number: d.sha256 for d in docs},
            ip_address=None,
            user_agent="",
        )
    assert exc.value.code == "contract.not_signable"
    assert not ContractSignature.objects.exists()
    assert not services.is_contracted(deal.application)
    # The page does not offer signing either, and the sign URL sends the user back.
    client = owner_client(deal)
    assert (
        "内容を確認して署名する"
        not in client.get(reverse("contracts:detail", args=[deal.application.pk])).content.decode()
    )
    response = client.get(reverse("contracts:sign", args=[deal.application.pk]))
    assert response.status_code == 302
    assert response.url == reverse("contracts:detail", args=[deal.application.pk])


def test_an_offered_application_has_no_documents_and_cannot_be_signed() -> None:
    deal = make_deal(accept=False)
    client = owner_client(deal)
    page = client.get(reverse("contracts:detail", args=[deal.application.pk]))
    assert page.status_code == 200
    assert "契約書類はまだありません" in page.content.decode()
    assert not ContractDocument.objects.exists()
    with pytest.raises(DomainError):
        services.sign_contracts(
            deal.application,
            acting_user=deal.user,
            agreed_hashes={},
            ip_address=None,
            user_agent="",
        )
