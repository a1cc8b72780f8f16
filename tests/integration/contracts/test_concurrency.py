"""Two submits of the sign form at the same moment give one signature (both databases)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.fixtures.deals import make_deal
from urikake.audit.models import AuditRecord
from urikake.contracts import services
from urikake.contracts.models import ContractDocument, ContractSignature


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_signs_once() -> None:
    deal = make_deal()
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    hashes = {d.document_number: d.sha256 for d in docs}
    barrier = threading.Barrier(2)
    results: list[services.SignResult] = []
    errors: list[BaseException] = []

    def submit(ip: str) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(
                services.sign_contracts(
                    deal.application,
                    acting_user=deal.user,
                    agreed_hashes=hashes,
                    ip_address=ip,
                    user_agent="ua",
                )
            )
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(f"192.0.2.{n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(r.created for r in results) == [False, True]
    assert len({r.signature.pk for r in results}) == 1
    assert ContractSignature.objects.count() == 1
    assert AuditRecord.objects.filter(action="application.contracted").count() == 1
    assert all(d.is_signed for d in ContractDocument.objects.all())
    deal.application.refresh_from_db()
    assert deal.application.status == "contracted"
