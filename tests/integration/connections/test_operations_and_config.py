"""The register's operations: probe through the gate, the periodic task's alerts (once per
60/30/7-day threshold, frozen clock), automatic expiry, config as code, the demo walk."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.fixtures.clock import travel_to
from urikake.audit.models import AuditRecord
from urikake.connections import demo, services
from urikake.connections.models import CallRecord, Connection, PendingRequest
from urikake.domain.errors import DomainError
from urikake.integrations import connection_names
from urikake.integrations.bank.simulator import BankApiSimulator
from urikake.mail.models import OutboundMail

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]


@pytest.fixture
def staff(django_user_model: Any) -> tuple[Any, Any]:
    return tuple(  # type: ignore[return-value]
        django_user_model.objects.create_user(
            email=f"{who}@example.jp", password="x" * 20, staff_role="compliance"
        )
        for who in ("maker", "checker")
    )


def _bank(staff: Any, **kwargs: Any) -> Connection:
    row = demo.register_demo(connection_names.BANK_API, acting_user=staff[0], owner=staff[0])
    return demo.walk_to_operating(row, maker=staff[0], checker=staff[1], **kwargs)


def test_probe_passes_in_the_connectivity_test_stage_but_traffic_does_not(
    bank_api_simulator: BankApiSimulator, staff: Any
) -> None:
    from urikake.connections.demo import register_demo, walk_to_operating
    from urikake.domain.connections import Stage
    from urikake.integrations.bank.adapter import BankApiError, source_from_settings

    row = register_demo(connection_names.BANK_API, acting_user=staff[0])
    walk_to_operating(row, maker=staff[0], checker=staff[1], until=Stage.CONNECTIVITY_TEST)
    out = StringIO()
    call_command("connections", "probe", "bank_api", stdout=out)
    text = out.getvalue()
    assert "OK  gate" in text
    assert "OK  reachability" in text
    assert "疎通チェック合格" in text
    with pytest.raises(BankApiError, match="疎通テスト"):
        source_from_settings().list_accounts()  # not approved yet: no business traffic


def test_probe_of_an_unregistered_connection_says_what_is_missing(
    bank_api_simulator: BankApiSimulator,
) -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("connections", "probe", "bank_api", stdout=out)
    assert "NG  gate" in out.getvalue()
    assert "台帳に登録されていません" in out.getvalue()
    assert bank_api_simulator.requests == []


def test_expiry_alerts_are_mailed_once_per_threshold_then_the_connection_expires(
    staff: Any,
) -> None:
    today = timezone.localdate()
    row = _bank(staff, valid_from=today, valid_to=today + timedelta(days=100))
    row.terms = {
        **row.terms,
        "certificates": [
            {
                "fingerprint": "ab" * 32,
                "issuer": "bank CA",
                "expires": (today + timedelta(days=45)).isoformat(),
            }
        ],
    }
    row.save()

    def alerts() -> list[str]:
        return sorted(
            m.subject for m in OutboundMail.objects.filter(template="connections/mail/expiry")
        )

    with travel_to(today + timedelta(days=10)):  # certificate 35 days left → 60
        services.run_operations()
        services.run_operations()  # twice: still one mail
    assert len(alerts()) == 1
    assert "あと35日" in alerts()[0]
    with travel_to(today + timedelta(days=40)):  # approval 60 left, certificate 5 left → 60, 7
        services.run_operations()
        services.run_operations()
    assert len(alerts()) == 3
    row.refresh_from_db()
    assert row.stage == "renewal_due"
    with travel_to(today + timedelta(days=70)):  # approval 30
        services.run_operations()
    with travel_to(today + timedelta(days=95)):  # approval 5 → 7
        services.run_operations()
    assert len(alerts()) == 5
    mail = OutboundMail.objects.filter(template="connections/mail/expiry").first()
    assert mail is not None
    assert mail.to == ["maker@example.jp"]  # the owner
    with travel_to(today + timedelta(days=101)):
        report = services.run_operations()
    assert report.expired == ["bank_api"]
    row.refresh_from_db()
    assert row.stage == "expired"
    assert AuditRecord.objects.filter(action="connection.expired").count() == 1


def test_maker_cannot_confirm_and_a_stop_needs_a_reason(staff: Any) -> None:
    row = demo.register_demo(connection_names.TSA, acting_user=staff[0])
    services.propose(row, "advance", acting_user=staff[0])
    with pytest.raises(DomainError, match="自分が申請"):
        services.confirm(row, acting_user=staff[0])
    row.refresh_from_db()
    assert row.stage == "planned"
    with pytest.raises(DomainError):
        services.suspend(row, acting_user=staff[1], reason=" ")


def test_export_then_import_turns_term_changes_into_change_requests(
    staff: Any, tmp_path: Path
) -> None:
    row = _bank(staff)
    out = tmp_path / "connections.yaml"
    call_command("connections", "export", "--out", str(out), stdout=StringIO())
    document = yaml.safe_load(out.read_text("utf-8"))
    assert document["connections"][0]["status"]["approval_number"] == row.approval_number
    # unchanged file: nothing happens
    call_command("connections", "import", str(out), "--as", "maker@example.jp", stdout=StringIO())
    assert not PendingRequest.objects.filter(outcome="").exists()

    document["connections"][0]["terms"]["hosts"] = ["api.newbank.example"]
    document["connections"][0]["contacts"] = "新しい窓口"
    document["connections"].append(
        {
            "name": "accounting_sync",
            "environment": "sandbox",
            "direction": "outbound",
            "title": "会計ソフト連携",
            "purpose": "債権データの連携",
            "counterpart": "会計ソフト社",
        }
    )
    out.write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")
    text = StringIO()
    call_command("connections", "import", str(out), "--as", "maker@example.jp", stdout=text)
    row.refresh_from_db()
    assert row.contacts == "新しい窓口"
    assert row.terms["hosts"] != ["api.newbank.example"]  # old terms in force …
    pending = PendingRequest.objects.get(connection=row, outcome="")
    assert pending.payload["hosts"] == ["api.newbank.example"]  # … until re-approved
    assert Connection.objects.get(name="accounting_sync").stage == "planned"
    services.confirm(row, acting_user=staff[1])
    row.refresh_from_db()
    assert row.terms["hosts"] == ["api.newbank.example"]
    assert row.version == 2


def test_a_bad_import_changes_nothing(staff: Any, tmp_path: Path) -> None:
    row = _bank(staff)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "connections": [
                    {
                        "name": "new_one",
                        "environment": "sandbox",
                        "direction": "outbound",
                        "title": "x",
                        "purpose": "y",
                        "counterpart": "z",
                    },
                    {
                        "name": "bank_api",
                        "environment": "sandbox",
                        "direction": "outbound",
                        "title": "x",
                        "purpose": "y",
                        "counterpart": "z",
                        "terms": {"certificates": [{"fingerprint": "not-hex"}]},
                    },
                ],
            }
        ),
        "utf-8",
    )
    audits = AuditRecord.objects.count()
    with pytest.raises(CommandError, match="何も変更していません"):
        call_command("connections", "import", str(bad), "--as", "maker@example.jp")
    assert not Connection.objects.filter(name="new_one").exists()
    row.refresh_from_db()
    assert row.title != "x"
    assert AuditRecord.objects.count() == audits


def test_the_demo_walks_every_connection_to_operating() -> None:
    call_command("demo", stdout=StringIO())
    rows = Connection.objects.all()
    assert {r.name for r in rows} == set(connection_names.ALL)
    for row in rows:
        assert row.stage == "operating"
        assert row.approval_number.startswith("CA-")
        assert row.valid_to is not None
        confirmed = row.timeline.filter(event="confirmed_advance")
        assert confirmed.count() == 8
        assert all(e.maker_id != e.checker_id for e in confirmed)
    call_command("demo", stdout=StringIO())  # idempotent
    assert Connection.objects.count() == len(connection_names.ALL)


def test_call_records_carry_no_personal_data(
    bank_api_simulator: BankApiSimulator, staff: Any
) -> None:
    from urikake.integrations.bank.adapter import source_from_settings

    _bank(staff)
    source = source_from_settings()
    account = source.list_accounts()[0]
    source.get_account(account.account_id)
    operations = list(CallRecord.objects.values_list("operation", flat=True))
    assert "GET /v1/accounts/*" in operations
    assert not any(account.account_id in op for op in operations)
