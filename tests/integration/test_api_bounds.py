"""Every integer an API operation takes is bounded (issue 9 item 8).

* The OpenAPI schema is walked: every integer parameter and request-body field (nested and in
  lists) declares a ``maximum`` — a new operation with a bare ``int`` fails here.
* Each integer query/path parameter and body field of each operation is then sent 2**63 (one
  past PostgreSQL's bigint) by an applicant and by a staff user of every role: the answer is a
  4xx, never a 500, and for whoever passes the operation's auth it is a 422 in the common error
  shape naming the field and the bound.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from urikake.accounts.models import User
from urikake.accounts.roles import StaffRole
from urikake.api import api
from urikake.applicants.models import Membership, Organization
from urikake.kyc import services as kyc

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63
Path = tuple[str | int, ...]  # field names, 0 for "an item of this list"


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema()


def _integers(schema: dict[str, Any], comps: dict[str, Any], at: Path) -> Iterator[tuple]:
    """(path, schema) of every integer inside ``schema``."""
    if "$ref" in schema:
        yield from _integers(comps[schema["$ref"].rsplit("/", 1)[-1]], comps, at)
        return
    if schema.get("type") == "integer":
        yield at, schema
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _integers(option, comps, at)
    for name, prop in schema.get("properties", {}).items():
        yield from _integers(prop, comps, (*at, name))
    if "items" in schema:
        yield from _integers(schema["items"], comps, (*at, 0))


def _inputs() -> Iterator[tuple[str, str, str, Path, dict[str, Any], dict[str, Any]]]:
    """(method, url template, where, path, integer schema, operation) for every input."""
    schema = _schema()
    comps = schema["components"]["schemas"]
    for url, operations in schema["paths"].items():
        for method, op in operations.items():
            for param in op.get("parameters", []):
                for at, sch in _integers(param["schema"], comps, (param["name"],)):
                    yield method, url, param["in"], at, sch, op
            for content in op.get("requestBody", {}).get("content", {}).values():
                for at, sch in _integers(content["schema"], comps, ()):
                    yield method, url, "body", at, sch, op


def test_every_integer_input_of_every_operation_has_a_maximum() -> None:
    inputs = list(_inputs())
    assert len(inputs) >= 15, "the walk found the API's integer inputs"
    unbounded = [
        f"{method.upper()} {url} {where}:{'.'.join(map(str, at))}"
        for method, url, where, at, sch, _ in inputs
        if "maximum" not in sch or "minimum" not in sch
    ]
    assert not unbounded, unbounded


def _nest(at: Path, value: Any) -> Any:
    if not at:
        return value
    head, rest = at[0], at[1:]
    return [_nest(rest, value)] if head == 0 else {head: _nest(rest, value)}


def _clients(django_user_model: Any) -> dict[str, Client]:
    owner = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    org = Organization.objects.create(kind="corporation", name="株式会社売主", name_kana="ウリヌシ")
    Membership.objects.create(user=owner, organization=org, role="owner")
    kyc.record_verified_check(org, requested_by=owner, acting_user="system:test")
    clients = {"applicant": Client()}
    clients["applicant"].force_login(owner)
    for role in StaffRole:
        staff = User.objects.create_user(
            email=f"{role.value}@staff.example", password="x" * 20, is_staff=True, staff_role=role
        )
        EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
        TOTP.activate(staff, generate_totp_secret())
        clients[role.value] = Client()
        clients[role.value].force_login(staff)
    return clients


def _request(client: Client, method: str, url: str, where: str, at: Path) -> Any:
    name = at[0]
    path_value = TOO_BIG if where == "path" else 1
    target = re.sub(r"\{(\w+)\}", lambda m: str(path_value if m.group(1) == name else 1), url)
    headers = {"HTTP_IDEMPOTENCY_KEY": "bounds-probe"}
    if where == "query":
        return getattr(client, method)(target, {str(name): TOO_BIG}, **headers)
    if where == "body":
        body = json.dumps(_nest(at, TOO_BIG))
        return getattr(client, method)(target, body, content_type="application/json", **headers)
    if method == "get":
        return client.get(target, **headers)
    return getattr(client, method)(target, "{}", content_type="application/json", **headers)


def test_two_to_the_63_is_a_422_naming_the_field_never_a_500(django_user_model) -> None:
    clients = _clients(django_user_model)
    checked = 0
    for method, url, where, at, _sch, _op in _inputs():
        field = ".".join(map(str, at))  # the name the error uses: "tax_breakdown.0.tax_amount"
        answers = {who: _request(c, method, url, where, at) for who, c in clients.items()}
        statuses = {who: r.status_code for who, r in answers.items()}
        probe = f"{method.upper()} {url} {where}:{field}"
        assert all(400 <= s < 500 for s in statuses.values()), (probe, statuses)
        validated = [r for r in answers.values() if r.status_code == 422]
        assert validated, (probe, statuses)  # someone passed auth and met the bound
        for response in validated:
            problems = response.json()["error"]["problems"]
            named = [p for p in problems if p["field"] == field]
            assert named, (probe, problems)
            assert named[0]["code"] == "request.too_large", (probe, named)
            assert f"{named[0]['limit']:,}" in named[0]["message"], (probe, named)
        checked += 1
    assert checked >= 15
