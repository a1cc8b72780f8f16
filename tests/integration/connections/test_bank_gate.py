"""Issue 11's done-when: with the bank simulator running (over https, its certificate pinned by
the approval), a statement pull works while the approval is valid, and is refused with a clear,
audited error after suspension, after expiry, with a changed-but-unapproved certificate, and
with sandbox credentials in production mode. Nothing is imported by a refused pull."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.clock import travel_to
from tests.fixtures.tls import Certificate, self_signed
from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.connections import demo, services
from urikake.connections.models import CallRecord, Connection
from urikake.integrations import connection_names
from urikake.integrations.bank.adapter import DEV_BANK_API_TOKEN, BankApiError, HttpBankApi
from urikake.integrations.bank.simulator import BankApiSimulator
from urikake.integrations.http import credential_fingerprint
from urikake.receivables.bank_pull import pull_statement
from urikake.receivables.models import StatementImport

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]

ACCOUNT = "acc_demo_main"
START, END = date(2025, 1, 1), date(2025, 1, 31)


@pytest.fixture
def staff(django_user_model: Any) -> tuple[Any, Any]:
    maker = django_user_model.objects.create_user(
        email="maker@example.jp", password="x" * 20, staff_role="compliance"
    )
    checker = django_user_model.objects.create_user(
        email="checker@example.jp", password="x" * 20, staff_role="compliance"
    )
    return maker, checker


@pytest.fixture
def cert(tmp_path: Path) -> Certificate:
    return self_signed(tmp_path, "bank-a")


@pytest.fixture
def bank(cert: Certificate) -> Iterator[BankApiSimulator]:
    simulator = BankApiSimulator("127.0.0.1", 0, token=DEV_BANK_API_TOKEN)
    simulator.use_tls(cert.certfile, cert.keyfile).start()
    try:
        yield simulator
    finally:
        simulator.stop()


@pytest.fixture
def approved(staff: tuple[Any, Any], cert: Certificate) -> Connection:
    maker, checker = staff
    row = demo.register_demo(
        connection_names.BANK_API,
        acting_user=maker,
        owner=maker,
        terms={
            "certificates": [
                {"fingerprint": cert.fingerprint, "issuer": "bank-a", "expires": "2099-01-01"}
            ],
            "credential_fingerprint": credential_fingerprint(DEV_BANK_API_TOKEN),
        },
    )
    today = timezone.localdate()
    return demo.walk_to_operating(
        row,
        maker=maker,
        checker=checker,
        approval_number="BK-2026-001",
        valid_from=today - timedelta(days=1),
        valid_to=today + timedelta(days=30),
    )


@pytest.fixture
def owner(django_user_model: Any) -> tuple[Any, Organization]:
    user = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="株式会社テスト")
    Membership.objects.create(user=user, organization=org, role="owner")
    return user, org


def _pull(bank: BankApiSimulator, owner: tuple[Any, Organization], token: str = "") -> Any:
    user, org = owner
    return pull_statement(
        org,
        acting_user=user,
        source=HttpBankApi(bank.url, token or bank.token),
        account_id=ACCOUNT,
        date_from=START,
        date_to=END,
        today=date(2025, 6, 1),
    )


def _refused(bank: BankApiSimulator, owner: Any, condition: str, token: str = "") -> str:
    audited = AuditRecord.objects.filter(action="connection.refused").count()
    before = StatementImport.objects.count()
    with pytest.raises(BankApiError) as caught:
        _pull(bank, owner, token)
    message = caught.value.message
    assert "bank_api" in message  # names the connection …
    record = AuditRecord.objects.filter(action="connection.refused").order_by("-seq").first()
    assert record is not None
    assert AuditRecord.objects.count() > audited
    assert condition in record.payload["conditions"]  # … and the missing condition
    assert record.object_id == connection_names.BANK_API
    assert StatementImport.objects.count() == before  # nothing half done
    assert CallRecord.objects.filter(outcome="refused").exists()
    return message


def test_pull_works_while_valid_and_each_call_is_recorded(
    bank: BankApiSimulator, approved: Connection, owner: Any
) -> None:
    assert bank.url.startswith("https://")
    result = _pull(bank, owner)
    assert not result.duplicate
    assert result.statement.pk
    calls = CallRecord.objects.filter(connection_name="bank_api", outcome="ok")
    assert calls.exists()
    assert {c.operation for c in calls} >= {
        "GET /v1/accounts/*",
        "GET /v1/accounts/*/transactions",
    }
    assert ACCOUNT not in "".join(c.operation for c in calls)  # no identifiers in the log


def test_refused_after_suspension(
    bank: BankApiSimulator, approved: Connection, owner: Any, staff: Any
) -> None:
    services.suspend(approved, acting_user=staff[0], reason="相手先からの停止依頼")
    message = _refused(bank, owner, "stage_suspended")
    assert "停止中" in message
    assert bank.requests == []  # nothing reached the bank


def test_refused_after_expiry_and_suspended_automatically(
    bank: BankApiSimulator, approved: Connection, owner: Any
) -> None:
    later = approved.valid_to + timedelta(days=1)  # type: ignore[operator]
    with travel_to(later):
        message = _refused(bank, owner, "expired")  # refused even before the sweep runs
        assert "有効期限" in message
        services.run_operations()
        approved.refresh_from_db()
        assert approved.stage == "expired"
        _refused(bank, owner, "stage_expired")


def test_refused_with_a_changed_but_unapproved_certificate(
    approved: Connection, owner: Any, staff: Any, tmp_path: Path
) -> None:
    new_cert = self_signed(tmp_path, "bank-b")  # the bank rotated its certificate
    maker, checker = staff
    services.propose(
        approved,
        "change",
        acting_user=maker,
        payload={"certificates": [{"fingerprint": new_cert.fingerprint, "issuer": "bank-b"}]},
    )
    simulator = BankApiSimulator("127.0.0.1", 0, token=DEV_BANK_API_TOKEN)
    simulator.use_tls(new_cert.certfile, new_cert.keyfile).start()
    try:
        message = _refused(simulator, owner, "certificate")  # old terms still in force
        assert "証明書" in message
        assert simulator.requests == []  # refused after the handshake, before the request
        services.confirm(approved, acting_user=checker)  # re-approved: the new pin applies
        assert _pull(simulator, owner).statement.pk
    finally:
        simulator.stop()


def test_refused_with_sandbox_credentials_in_production_mode(
    bank: BankApiSimulator, approved: Connection, owner: Any, staff: Any, settings: Any
) -> None:
    # A production approval exists for the bank API (another register row for production
    # would have its own name; here the sandbox row stays and production mode is switched on).
    settings.PRODUCTION = True
    message = _refused(bank, owner, "foreign_credential")
    assert "サンドボックス" in message
    record = AuditRecord.objects.filter(action="connection.refused").order_by("-seq").first()
    assert record is not None
    assert {"environment", "sandbox_endpoint", "foreign_credential"} <= set(
        record.payload["conditions"]
    )
