"""The SMS adapter against the local gateway simulator over real HTTP: the protocol, the
token, idempotent references, refusals that must not be retried, fault injection."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest

from urikake.integrations.http import RETRY_POLICY
from urikake.integrations.sms.adapter import HttpSmsGateway, SmsError

pytestmark = pytest.mark.django_db  # the package conftest clears the (database) cache


def test_a_message_is_delivered_once_per_reference(sms_gateway: Any) -> None:
    gateway = HttpSmsGateway(sms_gateway.url, "dev-sms-gateway-token")
    first = gateway.send(to="+819012345678", body="【Urikake】テスト", reference="ref-1")
    again = gateway.send(to="+819012345678", body="【Urikake】テスト", reference="ref-1")
    assert first.message_id == again.message_id
    assert [m["body"] for m in sms_gateway.outbox("+819012345678")] == ["【Urikake】テスト"]


def test_a_wrong_token_and_bad_numbers_are_refused_for_good(sms_gateway: Any) -> None:
    with pytest.raises(SmsError) as wrong_token:
        HttpSmsGateway(sms_gateway.url, "nope").send(to="+819012345678", body="x", reference="r")
    assert not wrong_token.value.retryable
    gateway = HttpSmsGateway(sms_gateway.url, "dev-sms-gateway-token")
    with pytest.raises(SmsError) as bad_number:
        gateway.send(to="09012345678", body="x", reference="r2")
    assert not bad_number.value.retryable
    with pytest.raises(SmsError):
        gateway.send(to="+819012345678", body="x" * 1000, reference="r3")
    assert sms_gateway.outbox() == []


def test_an_outage_is_retryable(sms_gateway: Any) -> None:
    gateway = HttpSmsGateway(sms_gateway.url, "dev-sms-gateway-token")
    # Every attempt of the shared client's in-call retries fails (urikake.integrations.http).
    sms_gateway.fail_next(RETRY_POLICY.attempts, status=503)
    with pytest.raises(SmsError) as outage:
        gateway.send(to="+819012345678", body="x", reference="r")
    assert outage.value.retryable
    gateway.send(to="+819012345678", body="x", reference="r")
    assert len(sms_gateway.outbox()) == 1
    with pytest.raises(SmsError) as unreachable:
        HttpSmsGateway("http://127.0.0.1:9", "t", timeout=1).send(
            to="+819012345678", body="x", reference="r"
        )
    assert unreachable.value.retryable


def test_the_outbox_is_read_over_http_and_can_be_emptied(sms_gateway: Any) -> None:
    HttpSmsGateway(sms_gateway.url, "dev-sms-gateway-token").send(
        to="+819012345678", body="x", reference="r"
    )
    request = urllib.request.Request(f"{sms_gateway.url}/_simulator/messages", method="DELETE")
    urllib.request.urlopen(request, timeout=5).close()
    assert sms_gateway.outbox() == []
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{sms_gateway.url}/nope", timeout=5)
    assert missing.value.code == 404
