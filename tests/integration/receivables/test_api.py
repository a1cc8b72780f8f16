"""The receivables JSON API: debtors, invoices, applications (create+submit with an
Idempotency-Key, status/offer, accept), structured errors and object-level 404s."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.kyc import services as kyc
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db

BASE = "/api/receivables"


def _verified_org(django_user_model: Any, email: str, name: str, kana: str) -> tuple[Any, Any]:
    user = django_user_model.objects.create_user(email=email, password="x" * 20)
    org = Organization.objects.create(kind="corporation", name=name, name_kana=kana)
    Membership.objects.create(user=user, organization=org, role="owner")
    kyc.record_verified_check(org, requested_by=user, acting_user="system:test")
    return user, org


def _history(org: Any, user: Any, payer: str) -> None:
    """A year of monthly payments from the debtor, on the 25th."""
    today = timezone.localdate()
    lines = []
    for n in range(1, 13):
        day = (today.replace(day=1) - timedelta(days=30 * n)).replace(day=25)
        lines.append(
            StatementLine(
                value_date=day,
                direction=Direction.DEPOSIT,
                amount=1_100_000,
                counterparty=payer,
                reference=f"{n:08d}",
                line_number=n,
            )
        )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "1234567", "", None, None, tuple(lines)
    )
    services.import_statement(org, statement, acting_user=user, content=b"x")


class World:
    def __init__(self, django_user_model: Any) -> None:
        self.user, self.org = _verified_org(
            django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ"
        )
        self.debtor = services.register_debtor(
            self.org,
            acting_user=self.user,
            name="株式会社ヤマダ商事",
            name_kana="カブシキガイシャヤマダシヨウジ",
            corporate_number="1180301018771",
        )
        _history(self.org, self.user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
        self.client = Client()
        self.client.force_login(self.user)
        self.other_user, self.other_org = _verified_org(
            django_user_model, "b@example.jp", "株式会社別主", "ベツヌシ"
        )
        self.other_client = Client()
        self.other_client.force_login(self.other_user)


@pytest.fixture
def world(django_user_model: Any) -> World:
    return World(django_user_model)


def _invoice_body(debtor: int, number: str = "A-001", amount: int = 1_100_000) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "debtor": debtor,
        "invoice_number": number,
        "issue_date": (today - timedelta(days=1)).isoformat(),
        "due_date": (today + timedelta(days=60)).isoformat(),
        "total_amount": amount,
        "tax_breakdown": [
            {
                "rate": "0.10",
                "taxable_amount": amount * 10 // 11,
                "tax_amount": amount - amount * 10 // 11,
            }
        ],
    }


def _post(client: Client, url: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


def _new_invoice(world: World, number: str = "A-001") -> int:
    response = _post(world.client, f"{BASE}/invoices", _invoice_body(world.debtor.pk, number))
    assert response.status_code == 201, response.json()
    return int(response.json()["id"])


# --- debtors and invoices ------------------------------------------------------------------


def test_debtors_are_listed_for_the_own_organisation_only(world: World) -> None:
    response = world.client.get(f"{BASE}/debtors")
    assert response.status_code == 200
    assert [d["id"] for d in response.json()] == [world.debtor.pk]
    assert response.json()[0]["corporate_number"] == "1180301018771"
    assert world.other_client.get(f"{BASE}/debtors").json() == []


def test_an_invoice_is_registered_and_listed(world: World) -> None:
    invoice_id = _new_invoice(world)
    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.organization == world.org
    assert invoice.source == "form"
    assert invoice.tax_breakdown == [{"rate": "0.10", "taxable": 1_000_000, "tax": 100_000}]
    listed = world.client.get(f"{BASE}/invoices").json()
    assert [i["id"] for i in listed] == [invoice_id]
    assert listed[0]["debtor_name"] == "株式会社ヤマダ商事"
    assert listed[0]["tax_breakdown"][0]["taxable_amount"] == 1_000_000
    assert world.client.get(f"{BASE}/invoices?status=assigned").json() == []
    assert world.other_client.get(f"{BASE}/invoices").json() == []


def test_a_rejected_invoice_lists_every_problem_and_stores_nothing(world: World) -> None:
    body = _invoice_body(world.debtor.pk, number=" ", amount=1_100_000)
    body["total_amount"] = 0
    body["due_date"] = body["issue_date"]
    response = _post(world.client, f"{BASE}/invoices", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invoice.invalid"
    fields = {p["field"] for p in error["problems"]}
    assert {"total_amount", "invoice_number", "due_date"} <= fields, error
    assert all(p["code"] and p["message"] for p in error["problems"])
    assert not Invoice.objects.exists()


def test_an_invoice_on_another_organisations_debtor_is_refused(world: World) -> None:
    response = _post(world.other_client, f"{BASE}/invoices", _invoice_body(world.debtor.pk))
    assert response.status_code == 422
    assert response.json()["error"] == {
        "code": "invoice.debtor_unknown",
        "message": "売掛先が見つかりません。",
        "field": "debtor",
    }
    assert not Invoice.objects.exists()


def test_a_duplicate_invoice_and_a_float_amount_are_refused(world: World) -> None:
    _new_invoice(world)
    response = _post(world.client, f"{BASE}/invoices", _invoice_body(world.debtor.pk))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invoice.duplicate"
    body = _invoice_body(world.debtor.pk, "A-002")
    body["total_amount"] = 1_100_000.0
    assert _post(world.client, f"{BASE}/invoices", body).status_code == 422
    assert Invoice.objects.count() == 1


def test_a_bad_tax_rate_is_a_structured_error(world: World) -> None:
    body = _invoice_body(world.debtor.pk)
    body["tax_breakdown"][0]["rate"] = "ten percent"
    response = _post(world.client, f"{BASE}/invoices", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "tax_breakdown[0].rate"


# --- applications --------------------------------------------------------------------------


def test_an_application_is_created_and_submitted(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    invoice_id = _new_invoice(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _post(
            world.client,
            f"{BASE}/applications",
            {"product": "three_party", "invoice_ids": [invoice_id], "requested_amount": 1_000_000},
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "submitted"
    assert body["invoice_ids"] == [invoice_id]
    assert body["requested_amount"] == 1_000_000
    assert body["offer"] is None
    # On commit: the "application received" mail is delivered and the screening task enqueued.
    assert len(callbacks) == 2
    application = FinancingApplication.objects.get(pk=body["id"])
    assert application.organization == world.org
    assert application.submitted_at is not None


def test_a_submission_asks_each_product_about_its_invoices_once(world: World) -> None:
    """Draft and submission are one transaction: the draft's check locked the invoices, so
    the submission does not ask every product again (one holder query per product)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from urikake.receivables.encumbrances import encumbrance_sources

    invoice_id = _new_invoice(world)
    with CaptureQueriesContext(connection) as queries:
        response = _post(
            world.client,
            f"{BASE}/applications",
            {"product": "two_party", "invoice_ids": [invoice_id]},
            **{"Idempotency-Key": "once-1"},
        )
    assert response.status_code == 201, response.json()
    holder = 'SELECT "receivables_invoice"."id" AS "pk" FROM "receivables_invoice" WHERE ('
    asked = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(holder)]
    assert len(asked) == len(encumbrance_sources())


def test_applying_without_verified_ekyc_leaves_no_draft(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(email="c@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="株式会社未確認")
    Membership.objects.create(user=user, organization=org, role="owner")
    debtor = services.register_debtor(
        org, acting_user=user, name="株式会社ヤマダ商事", name_kana="ヤマダシヨウジ"
    )
    client = Client()
    client.force_login(user)
    response = _post(client, f"{BASE}/invoices", _invoice_body(debtor.pk))
    assert response.status_code == 201
    response = _post(
        client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [response.json()["id"]]},
        **{"Idempotency-Key": "k-1"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "kyc.not_verified"
    assert not FinancingApplication.objects.exists()


def test_application_input_errors_are_structured(world: World) -> None:
    invoice_id = _new_invoice(world)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"product": "spot", "invoice_ids": [invoice_id]}, "application.product"),
        ({"product": "three_party", "invoice_ids": []}, "application.no_invoices"),
        ({"product": "three_party", "invoice_ids": [999_999]}, "application.invoice_unknown"),
        (
            {"product": "three_party", "invoice_ids": [invoice_id], "requested_amount": 2_000_000},
            "application.amount",
        ),
    ]
    for body, code in cases:
        response = _post(world.client, f"{BASE}/applications", body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == code, response.json()
    # Another organisation cannot apply with this organisation's invoice.
    response = _post(
        world.other_client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [invoice_id]},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "application.invoice_unknown"
    assert not FinancingApplication.objects.exists()


def test_the_same_idempotency_key_returns_the_same_application(world: World) -> None:
    invoice_id = _new_invoice(world)
    body = {"product": "three_party", "invoice_ids": [invoice_id]}
    first = _post(world.client, f"{BASE}/applications", body, **{"Idempotency-Key": "abc-123"})
    second = _post(world.client, f"{BASE}/applications", body, **{"Idempotency-Key": "abc-123"})
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert FinancingApplication.objects.count() == 1
    assert AuditRecord.objects.filter(action="application.submitted").count() == 1
    # The same key with another body is a mistake, not a replay.
    changed = {**body, "requested_amount": 500_000}
    response = _post(
        world.client, f"{BASE}/applications", changed, **{"Idempotency-Key": "abc-123"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency.mismatch"
    assert FinancingApplication.objects.count() == 1


def test_idempotency_keys_are_per_organisation(world: World) -> None:
    invoice_id = _new_invoice(world)
    other_debtor = services.register_debtor(
        world.other_org, acting_user=world.other_user, name="株式会社カワダ", name_kana="カワダ"
    )
    other = _post(world.other_client, f"{BASE}/invoices", _invoice_body(other_debtor.pk, "B-1"))
    key = {"Idempotency-Key": "shared-key"}
    mine = _post(
        world.client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [invoice_id]},
        **key,
    )
    theirs = _post(
        world.other_client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [other.json()["id"]]},
        **key,
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_failed_request_frees_its_idempotency_key(world: World) -> None:
    invoice_id = _new_invoice(world)
    key = {"Idempotency-Key": "retry-me"}
    bad = {"product": "spot", "invoice_ids": [invoice_id]}
    assert _post(world.client, f"{BASE}/applications", bad, **key).status_code == 422
    good = {"product": "three_party", "invoice_ids": [invoice_id]}
    assert _post(world.client, f"{BASE}/applications", good, **key).status_code == 201


def test_another_organisations_application_is_a_404(world: World) -> None:
    invoice_id = _new_invoice(world)
    created = _post(
        world.client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [invoice_id]},
    ).json()
    url = f"{BASE}/applications/{created['id']}"
    assert world.client.get(url).status_code == 200
    for response in (
        world.other_client.get(url),
        world.other_client.post(f"{url}/accept"),
        world.client.get(f"{BASE}/applications/999999"),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "application.not_found"
    assert FinancingApplication.objects.get(pk=created["id"]).status == "submitted"


def test_after_screening_the_offer_is_shown_and_can_be_accepted(world: World) -> None:
    invoice_id = _new_invoice(world)
    created = _post(
        world.client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [invoice_id]},
    ).json()
    url = f"{BASE}/applications/{created['id']}"
    # Accepting before an offer exists is refused by the state machine.
    early = world.client.post(f"{url}/accept")
    assert early.status_code == 422
    assert early.json()["error"]["code"] == "application.illegal_transition"

    screen_application.call(created["id"])  # what the worker does after commit

    body = world.client.get(url).json()
    assert body["status"] == "offered", body
    assert body["status_label"] == "条件提示"
    assert body["outcome"] == "approve"
    assert body["decided_at"] is not None
    offer = body["offer"]
    assert offer["face_amount"] == 1_100_000
    assert offer["net_payout"] == offer["advance_amount"] - offer["fee"] - offer["admin_fee"]
    assert body["offer_expires_on"] == offer["expires_on"]
    assert [line["invoice_id"] for line in offer["invoices"]] == [invoice_id]  # by identity

    accepted = world.client.post(f"{url}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert AuditRecord.objects.filter(action="application.accepted").count() == 1
    again = world.client.post(f"{url}/accept")
    assert again.status_code == 422


def test_a_declined_application_shows_its_reasons(world: World) -> None:
    # The same invoice already financed through another applicant: double assignment.
    first_id = _new_invoice(world)
    first = _post(
        world.client, f"{BASE}/applications", {"product": "three_party", "invoice_ids": [first_id]}
    ).json()
    screen_application.call(first["id"])
    other_debtor = services.register_debtor(
        world.other_org,
        acting_user=world.other_user,
        name="株式会社ヤマダ商事",
        name_kana="カブシキガイシャヤマダシヨウジ",
        corporate_number="1180301018771",
    )
    _history(world.other_org, world.other_user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    invoice = _post(world.other_client, f"{BASE}/invoices", _invoice_body(other_debtor.pk))
    second = _post(
        world.other_client,
        f"{BASE}/applications",
        {"product": "three_party", "invoice_ids": [invoice.json()["id"]]},
    ).json()
    screen_application.call(second["id"])
    body = world.other_client.get(f"{BASE}/applications/{second['id']}").json()
    assert body["status"] == "declined"
    assert body["offer"] is None
    assert body["reasons"], body
    assert all(r["invoice"] == invoice.json()["id"] and r["message"] for r in body["reasons"])


def test_anonymous_and_staff_get_401(world: World, django_user_model: Any) -> None:
    staff = django_user_model.objects.create_user(
        email="staff@example.jp", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    TOTP.activate(staff, generate_totp_secret())  # staff without MFA get nowhere at all
    staff_client = Client()
    staff_client.force_login(staff)
    for client in (Client(), staff_client):
        assert client.get(f"{BASE}/debtors").status_code == 401
        assert client.get(f"{BASE}/invoices").status_code == 401
        assert client.post(f"{BASE}/applications", {}).status_code == 401
        assert client.get(f"{BASE}/applications/1").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_application(django_user_model: Any) -> None:
    """Ten clients send the same Idempotency-Key at once: one application, ten identical answers."""
    import threading

    from django.db import connection

    from urikake.receivables.models import FinancingApplication

    world = World(django_user_model)
    invoice_id = _new_invoice(world)
    answers: list[int] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            client = Client()
            client.force_login(world.user)
            response = _post(
                client,
                "/api/receivables/applications",
                {"product": "three_party", "invoice_ids": [invoice_id]},
                **{"Idempotency-Key": "retry-1"},
            )
            assert response.status_code in (200, 201), response.content
            answers.append(response.json()["id"])
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(answers)) == 1
    assert FinancingApplication.objects.filter(idempotency_key="retry-1").count() == 1
