"""The load test's applicant organisations (benchmarks/load/seed.py): each one is onboarded
as the demo applicant is, so the locust applicants' traffic is served, not refused — a 4xx in
the load test only counts as an error in a report nobody asserts on."""

from __future__ import annotations

import importlib.util
import json
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from urikake.applicants import services as applicants
from urikake.kyc import services as kyc
from urikake.receivables.models import FinancingApplication

pytestmark = pytest.mark.django_db

SEED = Path(__file__).resolve().parents[2] / "benchmarks" / "load" / "seed.py"


@pytest.fixture(scope="module")
def seed() -> ModuleType:
    spec = importlib.util.spec_from_file_location("load_seed", SEED)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_load_applicant_is_onboarded_with_its_own_debtors(seed: ModuleType) -> None:
    password_hash = make_password(seed.PASSWORD)
    pool = seed._debtor_pool(1)  # three debtor companies: both applicants sell to all three
    users = [seed._load_applicant(k, password_hash, pool) for k in (1, 2)]
    orgs = [user.memberships.get().organization for user in users]
    assert len({org.pk for org in orgs}) == 2
    for user, org in zip(users, orgs, strict=True):
        assert user.check_password(seed.PASSWORD)  # the shared hash is a real one
        assert applicants.has_current_consent(user)
        kyc.ensure_can_apply(org)  # verified identity: may apply
        assert applicants.current_payout_account(org) is not None
        assert org.contact_phone
        assert org.debtors.count() == seed.DEBTORS_EACH
    # two applicants selling to the same debtor companies: debtors of their own, one
    # platform-wide identity per company
    first, second = (set(org.debtors.values_list("pk", "identity_id")) for org in orgs)
    assert not {pk for pk, _ in first} & {pk for pk, _ in second}
    assert {identity for _, identity in first} == {identity for _, identity in second}
    # a second seed on the same database finds the applicant instead of failing
    assert seed._load_applicant(1, password_hash, pool) == users[0]


def test_a_load_applicant_registers_an_invoice_and_submits_it_as_locust_does(
    seed: ModuleType,
) -> None:
    user = seed._load_applicant(1, make_password(seed.PASSWORD), seed._debtor_pool(4))
    org = user.memberships.get().organization
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    response = client.post(
        "/api/receivables/invoices",
        json.dumps(
            {
                "debtor": org.debtors.first().pk,
                "invoice_number": "LOAD-1",
                "issue_date": (today - timedelta(days=5)).isoformat(),
                "due_date": (today + timedelta(days=45)).isoformat(),
                "total_amount": 500_000,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code in (200, 201), response.content
    response = client.post(
        "/api/receivables/applications",
        json.dumps({"product": "two_party", "invoice_ids": [response.json()["id"]]}),
        content_type="application/json",
        headers={"Idempotency-Key": "load-seed-test"},
    )
    assert response.status_code in (200, 201), response.content
    assert FinancingApplication.objects.get(organization=org).status != "draft"
