"""How many SQL queries the pages of the load test's mix make (issue 14: 200 requests/s).

A query costs the web worker about a millisecond of CPU (the ORM building it), so the pages
the mix browses most are held to the counts measured when they were trimmed
(benchmarks/README.md, "Where a request's CPU goes"). Each bound is an upper bound: fewer
is fine (lower the bound), more fails — a query per row (an N+1) or a fact asked twice would
come back through here. The world is the demo data the load test runs on, seen by the same
people (the demo applicant, the client in business, a reviewer, treasury staff), each page
requested once first (a first request may write the session's activity) and then counted.
Each test checks that it reached the page itself (status 200 and the page's own text).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from urikake.accounts.models import User
from urikake.receivables.models import FinancingApplication
from urikake.system.demo import load_demo_data
from urikake.system.demo_treasury import CLIENT_EMAIL

pytestmark = pytest.mark.django_db

APPLICANT = "applicant@demo.urikake.example"
REVIEWER = "reviewer@demo.urikake.example"
TREASURY = "treasury@demo.urikake.example"


@pytest.fixture
def signed_in() -> Callable[[str], Client]:
    load_demo_data()

    def sign_in(email: str) -> Client:
        user = User.objects.get(email=email)
        if user.is_staff:
            TOTP.activate(user, generate_totp_secret())  # staff pages need MFA
        client = Client()
        client.force_login(user)
        return client

    return sign_in


def _queries(client: Client, path: str, text: str) -> list[str]:
    """The queries of one GET of ``path`` (after a first one), checking the page was served."""
    first = client.get(path)
    assert first.status_code == 200, (path, first.status_code, first.get("Location"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert text in response.content.decode(), (path, text)
    return [query["sql"] for query in captured.captured_queries]


def _check(client: Client, pages: list[tuple[str, str, int]]) -> None:
    for path, text, most in pages:
        queries = _queries(client, path, text)
        assert len(queries) <= most, (
            f"{path}: {len(queries)} queries, at most {most} expected:\n"
            + "\n".join(query[:160] for query in queries)
        )


def test_the_applicants_pages(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(APPLICANT)
    _check(
        client,
        [
            # session, user, consent, membership with its organisation, payout account,
            # notification settings, eKYC (2: no verified check yet), unread notices, and the
            # dashboard's rows (the organisation's deal ids, the sent payouts, shared by funds
            # and costs; the credit line, none yet: no use or changes to read; an organisation
            # without deals is not asked about open deals, contracts or history); 20 before the
            # facts were shared, 16 before the payouts were read once, 14 before the deal ids
            ("/my/", "マイページ", 12),
            ("/my/invoices/", "請求書", 8),
            # +1: how many invoices another product holds (receivables.encumbrances).
            ("/my/applications/", "資金化の申込み", 9),
            ("/my/statements/", "入出金明細", 6),
            ("/my/debtors/", "売掛先", 6),
        ],
    )


def test_the_client_in_business_pages(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(CLIENT_EMAIL)
    organization = User.objects.get(email=CLIENT_EMAIL).memberships.get().organization
    application = FinancingApplication.objects.filter(organization=organization).order_by("-pk")[0]
    _check(
        client,
        [
            # the latest deal: its offer, invoices and their debtors
            (f"/my/applications/{application.pk}/", f"申込み #{application.pk}", 9),
            # 25 before the sent payouts were read once and open deals' invoices came with
            # their debtors
            ("/my/", "マイページ", 23),
            ("/my/treasury/", "買取済みの債権", 7),
            ("/my/contracts/", "契約書の一覧", 10),
        ],
    )
    response = client.get("/api/treasury/my/payouts")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/treasury/my/payouts").status_code == 200
    assert len(captured) <= 4, [q["sql"] for q in captured.captured_queries]


def test_the_reviewers_pages(signed_in: Callable[[str], Client]) -> None:
    client = signed_in(REVIEWER)
    application = FinancingApplication.objects.exclude(status="draft").order_by("-pk").first()
    assert application is not None
    _check(
        client,
        [
            ("/backoffice/screening/", "審査（要確認案件）", 5),
            # the invoices and their assignment clauses are read once (14 when read twice)
            (f"/backoffice/screening/{application.pk}/", application.organization.name, 12),
        ],
    )


def test_the_treasury_deposits_page(signed_in: Callable[[str], Client]) -> None:
    _check(signed_in(TREASURY), [("/backoffice/treasury/deposits/", "入金と消込", 5)])
