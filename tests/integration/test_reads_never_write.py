"""Reads never write (issue 9 item 8): every GET page and every GET API operation, requested
by each role that may read it, leaves every table's row count — and the audit trail — as it
was.

The world holds deals in each state a read could be tempted to "prepare": an accepted offer
(documents prepared when it was accepted), an accepted offer from before that (no documents),
a contracted deal whose perfection record was never opened, and a funded deal. Each route
with integer URL parts is read with the ids 1…6, so every object of the world is reached.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import make_deal
from tests.integration.test_authorization_matrix import (
    World,
    _url,
    all_routes,
    api_operations,
    world,  # noqa: F401  (the fixture)
)
from tests.integration.treasury.helpers import contracted_deal, funded_deal
from urikake.accounts.access import Access
from urikake.accounts.models import User
from urikake.accounts.roles import ROLE_CAPABILITIES, StaffRole
from urikake.audit.models import AuditRecord
from urikake.contracts.models import ContractDocument
from urikake.domain.applications import ApplicationStatus
from urikake.receivables import services as receivables
from urikake.treasury.models import Perfection

pytestmark = pytest.mark.django_db

IDS = range(1, 7)
# Not business data: the session store (a login or a flash message may touch it).
IGNORED_TABLES = {"django_session"}


def _counts() -> dict[str, int]:
    counts = {}
    # Test-only models (e.g. the security baseline's) stay in the app registry after their
    # table is dropped: count the tables that exist.
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in IGNORED_TABLES or not model._meta.managed or table not in existing:
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # table names, not input
            counts[table] = cursor.fetchone()[0]
    last = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first()
    counts["audit: last seq"] = last or 0
    return counts


def _deals(staff: Any) -> dict[str, Any]:
    """Deals of one owner in each state (amounts differ: alike invoices would be referred as
    near-duplicates); the owner's client reads them."""
    accepted = make_deal(amount=1_100_000)
    same = {"user": accepted.user, "organization": accepted.organization}
    # Four deals open at once: a reviewer widens the client's credit line (docs/plans.md).
    from urikake.plans import services as plans

    plans.adjust_credit_line(
        accepted.organization, amount=10_000_000, reason="テスト: 4件同時", acting_user=staff
    )
    legacy = make_deal(amount=1_210_000, accept=False, **same)
    legacy.application = receivables._move(  # accepted before acceptance prepared documents
        legacy.application,
        ApplicationStatus.ACCEPTED,
        actor=legacy.user,
        action="application.accepted",
    )
    contracted = contracted_deal(amount=990_000, **same)
    funded = funded_deal(staff, amount=880_000, **same)
    client = applicant_client(accepted.user)
    return {
        "client": client,
        "accepted": accepted,
        "legacy": legacy,
        "contracted": contracted,
        "funded": funded,
    }


def _readers(rule: Any, clients: dict[str, Client], owner: Client) -> dict[str, Client]:
    if rule is None or rule.access in (Access.PUBLIC, Access.WEBHOOK):
        return {"anonymous": clients["anonymous"]}
    if rule.access == Access.STAFF:
        return {
            role.value: clients[f"staff_{role.value}"]
            for role in StaffRole
            if rule.grants(ROLE_CAPABILITIES[role])
        }
    return {"owner": owner}


def _read(client: Client, url: str, crashed: list[str]) -> int:
    try:
        client.get(url)
    except Exception:  # a page that fails still must not have written (checked after)
        crashed.append(url)
    return 1


def _assert_unchanged(before: dict[str, int], what: str) -> dict[str, int]:
    after = _counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"{what} wrote: {changed}"
    return after


def test_no_get_page_or_api_operation_writes(world: World) -> None:  # noqa: F811
    staff = User.objects.get(email="treasury@staff.example")
    deals = _deals(staff)
    owner = deals["client"]
    legacy_app = deals["legacy"].application
    assert not ContractDocument.objects.filter(application=legacy_app).exists()
    assert not Perfection.objects.filter(application=deals["contracted"].application).exists()
    for client in [owner, *world.clients.values()]:
        client.get("/")  # a session's first request records it (allauth's session list)
    before = _counts()
    read = 0
    crashed: list[str] = []
    for route in all_routes():
        if route.name.startswith(("account_", "mfa_", "socialaccount_", "usersessions_")):
            continue  # allauth's own pages (login, MFA set-up) are allauth's to keep
        ints = [k for k, c in route.converters.items() if c == "IntConverter"]
        values = IDS if ints else [None]
        for _reader, client in _readers(route.rule, world.clients, owner).items():
            for value in values:
                kwargs = {k: (value if k in ints else "zz-unknown") for k in route.converters}
                read += _read(client, _url(route, kwargs), crashed)
        before = _assert_unchanged(before, f"GET {route.pattern} ({route.name})")
    for path, op in api_operations():
        if "GET" not in op.methods:
            continue
        rule = op.auth_callbacks[0].rule if op.auth_callbacks else None
        for _reader, client in _readers(rule, world.clients, owner).items():
            for value in IDS if "{" in path else [None]:
                read += _read(client, re.sub(r"\{(\w+)\}", str(value), path), crashed)
        before = _assert_unchanged(before, f"GET {path}")
    assert read > 250, read
    # Pages that fail on this world's data are the authorization matrix's business; the
    # fixtures' eKYC checks carry no birth date, which the back-office KYC page needs.
    assert all(url.startswith("/backoffice/kyc/") for url in crashed), crashed
    # The reads found the deals: the legacy one still has no documents, the contracted one
    # still no perfection record (a read does not prepare them).
    assert not ContractDocument.objects.filter(application=legacy_app).exists()
    assert not Perfection.objects.filter(application=deals["contracted"].application).exists()
