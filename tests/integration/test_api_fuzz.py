"""API fuzzing (schemathesis) over the whole OpenAPI schema: anonymous, as an applicant and as
a staff user of each role — no server error, every response as its schema says (issue 14,
item 5). In process through the WSGI app, against the test database.

Bounded (``max_examples`` per operation) so that it runs in CI on both databases; run it
with more examples locally: ``API_FUZZ_EXAMPLES=200 pytest tests/integration/test_api_fuzz.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from urikake.accounts.roles import StaffRole
from urikake.wsgi import application

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "5"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Who calls: anonymous, an applicant with a verified organisation, each staff role.
CALLERS = ["anonymous", "applicant", *[role.value for role in StaffRole]]


def _session_for(caller: str, django_user_model: Any) -> dict[str, Any]:
    if caller == "anonymous":
        return {}
    if caller == "applicant":
        from tests.integration.receivables.test_screening_flow import _verified_org

        user, _org = _verified_org(django_user_model, "fuzz@example.jp", "株式会社ファズ", "ファズ")
    else:
        user = django_user_model.objects.create_user(
            email=f"fuzz-{caller}@staff.example", password="x" * 20, is_staff=True,
            staff_role=caller,
        )  # fmt: skip
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    token = "F" * 32
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    cookies[settings.CSRF_COOKIE_NAME] = token
    return {"cookies": cookies, "headers": {"X-CSRFToken": token}}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    # The WSGI handler closes the database connection when a request finishes; Django's test
    # Client switches that off, schemathesis' WSGI client does not — do it here likewise.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", params=CALLERS)
def caller(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, Any]]:
    """One user and session per caller for all the operations (pytest groups the tests by
    caller), in a transaction rolled back after them: each test's own transaction nests in
    it, so what a request writes is undone before the next test, as with a fresh user."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock(), transaction.atomic():
        yield _session_for(request.param, get_user_model())
        transaction.set_rollback(True)


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_api_answers_every_request_as_documented(case: Any, caller: dict[str, Any]) -> None:
    case.call_and_validate(
        cookies=caller.get("cookies"),
        headers=caller.get("headers"),
        checks=CHECKS,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},  # as a server sets it for every request
    )
