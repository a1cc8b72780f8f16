"""Inbound eKYC webhooks are checked against their connection before anything else: approved
for this environment, not suspended, from an approved source address (our own reverse proxies'
X-Forwarded-For hops believed, nobody else's). A refusal is a 403 naming the condition, audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from urikake.audit.models import AuditRecord
from urikake.connections import demo, services
from urikake.connections.models import CallRecord
from urikake.integrations import connection_names

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]

URL = "/webhooks/ekyc/"


@pytest.fixture
def ekyc(django_user_model: Any) -> Any:
    maker, checker = (
        django_user_model.objects.create_user(email=f"{w}@example.jp", staff_role="compliance")
        for w in ("m", "c")
    )
    row = demo.register_demo(connection_names.EKYC_VENDOR, acting_user=maker)
    return demo.walk_to_operating(row, maker=maker, checker=checker), maker


def _post(remote: str, forwarded: str = "") -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(URL, data=b"{}", content_type="application/json", **extra)


def _conditions(response: Any) -> list[str]:
    assert response.status_code == 403
    return json.loads(response.content)["error"]["conditions"]


def test_from_an_unapproved_address_is_refused_and_audited(ekyc: Any) -> None:
    response = _post("203.0.113.5")
    assert _conditions(response) == ["source_ip"]
    assert "203.0.113.5" in json.loads(response.content)["error"]["message"]
    record = AuditRecord.objects.filter(action="connection.refused").get()
    assert record.payload["conditions"] == ["source_ip"]
    assert CallRecord.objects.filter(operation="inbound", outcome="refused").exists()


def test_an_approved_address_reaches_the_signature_check(ekyc: Any) -> None:
    response = _post("127.0.0.1")
    assert response.status_code != 403  # the gate let it through; the signature check refuses
    assert response.status_code in {400, 401}


def test_forwarded_for_is_believed_only_from_trusted_proxies(ekyc: Any, settings: Any) -> None:
    assert _conditions(_post("203.0.113.5", forwarded="127.0.0.1")) == ["source_ip"]  # spoofed
    settings.CONNECTION_TRUSTED_PROXIES = ["203.0.113.0/24"]
    assert _post("203.0.113.5", forwarded="127.0.0.1").status_code != 403


def test_a_suspended_connection_refuses_its_webhooks(ekyc: Any) -> None:
    row, maker = ekyc
    services.suspend(row, acting_user=maker, reason="ベンダー側の障害")
    assert "stage_suspended" in _conditions(_post("127.0.0.1"))


def test_an_unregistered_connection_refuses_its_webhooks() -> None:
    assert _conditions(_post("127.0.0.1")) == ["not_registered"]
