"""Object-level authorization for EVERY route, against every role (issue 3, item 5).

The test walks the whole URL configuration and every JSON API operation:

* every view must carry an access rule (``urikake.accounts.access``) or be a third-party view
  listed in ``THIRD_PARTY_RULES``; every API operation must declare ``auth=`` or be public —
  a new route without a rule makes this test fail;
* each route is then requested by anonymous, by two applicants of different organisations and
  by a staff user of each role, and the response must match the rule: login required,
  403 for the wrong kind of user or a missing capability, and 404 — never the data — when an
  applicant asks for another organisation's object.

Applicant routes with an object in the URL name an ``owned_object`` kind; :data:`FACTORIES`
says how to create one for an organisation. A new kind without a factory fails the test.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls import path as _path
from django.utils import timezone

from tests.fixtures.clients import accept_current_terms
from urikake.accounts.access import THIRD_PARTY_RULES, Access, AccessRule
from urikake.accounts.api_auth import PUBLIC_API_ROUTES
from urikake.accounts.models import User
from urikake.accounts.roles import ROLE_CAPABILITIES, StaffRole
from urikake.api import api
from urikake.applicants.models import Invitation, Membership, Organization
from urikake.applicants.tokens import new_token
from urikake.domain.invoices import InvoiceData
from urikake.receivables import services as receivables

pytestmark = pytest.mark.django_db

# How to create, for an organisation, an object of each kind that applicant routes take.
# Each factory returns the URL kwarg value (usually the primary key).
FACTORIES: dict[str, Callable[[Organization, Any], Any]] = {}


def factory(kind: str) -> Callable[[Callable[[Organization, Any], Any]], Any]:
    def register(fn: Callable[[Organization, Any], Any]) -> Callable[[Organization, Any], Any]:
        FACTORIES[kind] = fn
        return fn

    return register


@factory("membership")
def _membership(org: Organization, owner: Any) -> int:
    user = User.objects.create_user(email=f"member-{uuid.uuid4().hex[:8]}@example.com")
    return Membership.objects.create(user=user, organization=org, role="member").pk


@factory("notification")
def _notification(org: Organization, owner: Any) -> int:
    from urikake.notifications.models import Notification

    return Notification.objects.create(
        event="application_received",
        subject=f"application:{uuid.uuid4().hex[:8]}",
        recipient=owner,
        organization=org,
        context={"application": 1, "amount_yen": 1000},
        url="/my/applications/",
    ).pk


@factory("invoice")
def _invoice(org: Organization, owner: Any) -> int:
    debtor = org.debtors.first() or receivables.register_debtor(
        org, acting_user=owner, name="株式会社ヤマダ", name_kana="ヤマダ"
    )
    return receivables.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number=f"I-{uuid.uuid4().hex[:6]}",
            issue_date=timezone.localdate() - timedelta(days=1),
            due_date=timezone.localdate() + timedelta(days=60),
            total_amount=110_000,
        ),
        acting_user=owner,
        debtor=debtor,
        source="form",
    ).pk


@factory("debtor")
def _debtor(org: Organization, owner: Any) -> int:
    # A fresh reading each time: a debtor's identity is its kana when it has no 法人番号.
    kana = "".join("アイウエオカキクケコ"[int(c, 16) % 10] for c in uuid.uuid4().hex[:10])
    return receivables.register_debtor(
        org, acting_user=owner, name=f"株式会社{kana}", name_kana=kana
    ).pk


@factory("application")
def _application(org: Organization, owner: Any) -> int:
    debtor = org.debtors.first() or receivables.register_debtor(
        org, acting_user=owner, name="株式会社ヤマダ", name_kana="ヤマダ"
    )
    invoice = receivables.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number=f"M-{uuid.uuid4().hex[:6]}",
            issue_date=timezone.localdate() - timedelta(days=1),
            due_date=timezone.localdate() + timedelta(days=60),
            total_amount=110_000,
        ),
        acting_user=owner,
        debtor=debtor,
        source="form",
    )
    return receivables.create_application(
        org, acting_user=owner, product="three_party", invoices=[invoice]
    ).pk


@factory("contract_document")
def _contract_document(org: Organization, owner: Any) -> int:
    from urikake.contracts.models import ContractDocument

    application_id = _application(org, owner)
    return ContractDocument.objects.create(
        application_id=application_id,
        organization=org,
        kind="agreement",
        document_number=f"UK-{application_id:06d}-A",
        title="債権売買契約書",
        pdf=b"%PDF-1.4\n%matrix\n",
        sha256="0" * 64,
    ).pk


@factory("invitation")
def _invitation(org: Organization, owner: Any) -> int:
    now = timezone.now()
    return Invitation.objects.create(
        organization=org,
        email=f"invitee-{uuid.uuid4().hex[:8]}@example.com",
        token_hash=new_token()[1],
        invited_by=owner,
        created_at=now,
        expires_at=now + timedelta(days=7),
    ).pk


@factory("purchased_receivable")
def _purchased_receivable(org: Organization, owner: Any) -> int:
    from urikake.receivables.models import FinancingApplication
    from urikake.servicing.models import Position

    application = FinancingApplication.objects.get(pk=_application(org, owner))
    invoice = application.invoices.get()
    return Position.objects.create(
        application=application,
        invoice=invoice,
        organization=org,
        debtor=invoice.debtor,
        product="two_party",
        face_amount=invoice.total_amount,
        advance_amount=invoice.total_amount * 8 // 10,
        fee=1_000,
        holdback=invoice.total_amount // 10,
        due_date=invoice.due_date,
        expected_on=invoice.due_date,
    ).pk


@factory("loan_facility")
def _loan_facility(org: Organization, owner: Any) -> int:
    from urikake.lending import services as lending
    from urikake.receivables.models import Invoice

    invoice = Invoice.objects.get(pk=_invoice(org, owner))
    return lending.apply_for_loan(
        org,
        acting_user=owner,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=100_000,
        purpose="運転資金",
        invoices=[invoice],
    ).pk


@factory("loan_report")
def _loan_report(org: Organization, owner: Any) -> int:
    from urikake.lending import services as lending
    from urikake.lending.models import LoanFacility

    facility = LoanFacility.objects.get(pk=_loan_facility(org, owner))
    period_end = timezone.localdate().replace(day=1) - timedelta(days=1)
    return lending.generate_report(facility, period_end=period_end, acting_user=owner).pk


@factory("guarantee")
def _guarantee(org: Organization, owner: Any) -> int:
    from urikake.guarantees import services as guarantees
    from urikake.receivables.models import Invoice

    invoice = Invoice.objects.get(pk=_invoice(org, owner))
    today = timezone.localdate()
    return guarantees.apply(
        org,
        acting_user=owner,
        scheme="individual",
        debtor=invoice.debtor,
        invoice=invoice,
        requested_amount=100_000,
        period_start=today,
        period_end=today + timedelta(days=90),
    ).pk


def _bulk_buyer_program(org: Organization, owner: Any) -> Any:
    """The buyer programme of ``org`` (enrolled on first use)."""
    from decimal import Decimal

    from urikake.bulk import services as bulk

    return bulk.program_of(org) or bulk.enroll_buyer(
        org, risk_rate=Decimal("0.03"), base_fee=10_000, per_item_fee=100, acting_user=owner
    )


@factory("bulk_supplier")
def _bulk_supplier(org: Organization, owner: Any) -> int:
    """``org`` as a supplier of a fresh buyer (another organisation)."""
    from urikake.bulk import services as bulk

    buyer = Organization.objects.create(kind="corporation", name="株式会社買主", created_by=owner)
    program = _bulk_buyer_program(buyer, owner)
    return bulk.add_supplier(program, organization=org, code="S1", acting_user=owner).pk


@factory("bulk_payable")
def _bulk_payable(org: Organization, owner: Any) -> int:
    """A receivable of ``org`` (the supplier) on a buyer."""
    from urikake.bulk import services as bulk
    from urikake.bulk.models import Supplier
    from urikake.domain.bank_calendar import next_bank_business_day

    supplier = Supplier.objects.get(pk=_bulk_supplier(org, owner))
    due = next_bank_business_day(timezone.localdate() + timedelta(days=30))
    data = f"仕入先,請求書番号,金額,支払期日\nS1,B-{uuid.uuid4().hex[:6]},100000,{due:%Y-%m-%d}\n"
    bulk.upload_payables(supplier.program, data.encode(), filename="p.csv", acting_user=owner)
    return supplier.payables.get().pk


@factory("bulk_fee_invoice")
def _bulk_fee_invoice(org: Organization, owner: Any) -> int:
    """A monthly fee invoice of ``org`` as a buyer."""
    from urikake.bulk import services as bulk

    program = _bulk_buyer_program(org, owner)
    return bulk.issue_fee_invoice(program, month=timezone.localdate(), acting_user=owner).pk


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str  # "namespace:name"
    callback: Any
    converters: dict[str, str]

    @property
    def rule(self) -> AccessRule | None:
        rule = getattr(self.callback, "access_rule", None)
        if rule is None:
            rule = getattr(getattr(self.callback, "view_class", None), "access_rule", None)
        if rule is None:
            rule = THIRD_PARTY_RULES.get(self.name)
        return rule


def _converters(pattern: Any) -> dict[str, str]:
    found = {k: type(v).__name__ for k, v in getattr(pattern, "converters", {}).items()}
    # re_path() groups have no converter: treat them as strings.
    found.update({k: "StringConverter" for k in pattern.regex.groupindex if k not in found})
    return found


def _walk(
    patterns: list[Any], prefix: str = "", ns: str = "", conv: dict[str, str] | None = None
) -> Iterator[Route]:
    for p in patterns:
        here = {**(conv or {}), **_converters(p.pattern)}
        if isinstance(p, URLResolver):
            sub_ns = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), sub_ns, here)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield Route(prefix + str(p.pattern), name, p.callback, here)


def all_routes() -> list[Route]:
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        # Django's admin has its own staff check (tested below); ninja's API views are
        # checked operation by operation in test_every_api_operation_declares_auth.
        if not r.pattern.startswith(("admin/", "api/"))
    ]


def test_every_route_has_an_access_rule() -> None:
    missing = [f"{r.pattern} ({r.name or 'unnamed'})" for r in all_routes() if r.rule is None]
    assert missing == [], "routes without an access rule:\n" + "\n".join(missing)


def test_every_owned_object_kind_has_a_factory() -> None:
    kinds = {r.rule.owned_object for r in all_routes() if r.rule and r.rule.owned_object}
    assert kinds <= FACTORIES.keys(), f"add FACTORIES for {sorted(kinds - FACTORIES.keys())}"


# --- the world: two organisations and one staff user per role --------------------------------


@dataclass
class World:
    clients: dict[str, Client]
    org_a: Organization
    org_b: Organization
    user_a: Any


def _user(django_user_model: Any, email: str, **extra: Any) -> Any:
    user = django_user_model.objects.create_user(email=email, password="x" * 20, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if not user.is_staff:  # applicants who accepted the current terms (else: consent page)
        accept_current_terms(user)
    return user


@pytest.fixture
def world(django_user_model: Any) -> World:
    clients: dict[str, Client] = {"anonymous": Client()}
    orgs = []
    user_a = None
    for label in ("a", "b"):
        org = Organization.objects.create(kind="corporation", name=f"テスト{label}株式会社")
        user = _user(django_user_model, f"owner-{label}@example.com")
        Membership.objects.create(user=user, organization=org, role="owner")
        client = Client()
        client.force_login(user)
        clients[f"applicant_{label}"] = client
        orgs.append(org)
        user_a = user_a or user
    for role in StaffRole:
        staff = _user(
            django_user_model, f"{role.value}@staff.example", is_staff=True, staff_role=role
        )
        TOTP.activate(staff, generate_totp_secret())  # staff must have MFA to get anywhere
        client = Client()
        client.force_login(staff)
        clients[f"staff_{role.value}"] = client
    return World(clients, orgs[0], orgs[1], user_a)


def _dummy(converter: str) -> Any:
    return {"IntConverter": 999_999, "UUIDConverter": uuid.uuid4()}.get(converter, "zz-unknown")


def _url(route: Route, kwargs: dict[str, Any]) -> str:
    """Fill a route's pattern (path() or re_path() syntax) with kwargs."""
    url = "/" + route.pattern.replace("^", "").replace("$", "")
    for key, value in kwargs.items():
        url = re.sub(rf"<(?:\w+:)?{key}>", str(value), url)
        url = re.sub(rf"\(\?P<{key}>[^)]*\)", str(value), url)
    return url


def _is_login_redirect(response: Any) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response.headers.get(
        "Location", ""
    )


def _request(client: Client, url: str) -> list[Any]:
    """GET and an empty POST; a 405 for one method says nothing, so it is dropped."""
    responses = [client.get(url), client.post(url, {})]
    return [r for r in responses if r.status_code != 405]


def _routes_with(access: Access) -> list[Route]:
    return [r for r in all_routes() if r.rule is not None and r.rule.access == access]


def _kwargs_for(route: Route, world: World, org: Organization) -> dict[str, Any]:
    kwargs = {k: _dummy(c) for k, c in route.converters.items()}
    rule = route.rule
    if rule and rule.owned_kwarg and rule.owned_object:
        kwargs[rule.owned_kwarg] = FACTORIES[rule.owned_object](org, world.user_a)
    return kwargs


def test_public_routes_never_fail_for_anonymous(world: World) -> None:
    for route in _routes_with(Access.PUBLIC) + _routes_with(Access.WEBHOOK):
        url = _url(route, {k: _dummy(c) for k, c in route.converters.items()})
        for response in _request(world.clients["anonymous"], url):
            assert response.status_code < 500, f"{route.name}: {response.status_code}"


def test_authenticated_routes_need_a_login(world: World) -> None:
    for route in _routes_with(Access.AUTHENTICATED):
        url = _url(route, {k: _dummy(c) for k, c in route.converters.items()})
        for response in _request(world.clients["anonymous"], url):
            # allauth looks an object up among the user's own first: for nobody, nothing.
            not_found = bool(route.converters) and response.status_code == 404
            assert _is_login_redirect(response) or not_found, (
                f"{route.name}: {response.status_code}"
            )
        for response in _request(world.clients["applicant_a"], url):
            assert not _is_login_redirect(response), route.name
            assert response.status_code < 500, f"{route.name}: {response.status_code}"


def test_applicant_routes(world: World) -> None:
    for route in _routes_with(Access.APPLICANT):
        rule = route.rule
        assert rule is not None
        url_a = _url(route, _kwargs_for(route, world, world.org_a))
        for response in _request(world.clients["anonymous"], url_a):
            assert _is_login_redirect(response), f"{route.name} anonymous: {response.status_code}"
        for response in _request(world.clients["applicant_a"], url_a):
            assert response.status_code not in (401, 403), (
                f"{route.name} own: {response.status_code}"
            )
            assert not _is_login_redirect(response), f"{route.name} own"
            assert response.status_code < 500, f"{route.name} own: {response.status_code}"
            if rule.owned_kwarg:
                assert response.status_code != 404, f"{route.name}: own object not found"
        if rule.owned_kwarg:
            for response in _request(world.clients["applicant_b"], url_a):
                assert response.status_code == 404, (
                    f"{route.name}: another organisation's object gave {response.status_code}"
                )
        if not rule.allow_staff:
            for role in StaffRole:
                for response in _request(world.clients[f"staff_{role.value}"], url_a):
                    assert response.status_code == 403, (
                        f"{route.name} staff {role.value}: {response.status_code}"
                    )


def test_staff_routes(world: World) -> None:
    for route in _routes_with(Access.STAFF):
        rule = route.rule
        assert rule is not None
        url = _url(route, {k: _dummy(c) for k, c in route.converters.items()})
        for response in _request(world.clients["anonymous"], url):
            assert _is_login_redirect(response), f"{route.name} anonymous: {response.status_code}"
        for who in ("applicant_a", "applicant_b"):
            for response in _request(world.clients[who], url):
                assert response.status_code == 403, f"{route.name} {who}: {response.status_code}"
        for role in StaffRole:
            allowed = rule.grants(ROLE_CAPABILITIES[role])
            for response in _request(world.clients[f"staff_{role.value}"], url):
                if allowed:
                    assert response.status_code not in (401, 403), (
                        f"{route.name} {role.value} should be allowed: {response.status_code}"
                    )
                    assert response.status_code < 500, f"{route.name}: {response.status_code}"
                else:
                    assert response.status_code == 403, (
                        f"{route.name} {role.value} should be refused: {response.status_code}"
                    )


def _no_store(response: Any) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_pages_with_personal_data_are_never_stored_by_a_cache(world: World) -> None:
    """Every route a signed-in user reaches (and every API answer) says ``no-store``; only
    an anonymous visitor's public pages may be cached."""
    cases: list[tuple[str, str]] = []
    for route in all_routes():
        rule = route.rule
        assert rule is not None
        url = _url(route, _kwargs_for(route, world, world.org_a))
        if rule.access in (Access.PUBLIC, Access.WEBHOOK, Access.AUTHENTICATED):
            cases.append((url, "applicant_a"))
        elif rule.access == Access.APPLICANT:
            cases += [(url, "applicant_a"), (url, "anonymous")]
        else:
            granted = [r for r in StaffRole if rule.grants(ROLE_CAPABILITIES[r])]
            cases += [(url, f"staff_{(granted or [StaffRole.ADMIN])[0].value}")]
    cases += [(path, "applicant_a") for path in ("/admin/", "/api/docs")]
    cases += [(re.sub(r"\{(\w+)\}", "1", path), "applicant_a") for path, _ in api_operations()]
    stored = []
    for url, who in cases:
        if who == "applicant_a":
            world.clients[who].force_login(world.user_a)  # a logout route ends the session
        stored += [
            f"{who} {url}: {r.status_code} {r.headers.get('Cache-Control')!r}"
            for r in _request(world.clients[who], url)
            if not _no_store(r)
        ]
    assert stored == [], "responses without Cache-Control: no-store:\n" + "\n".join(stored)
    # The top page, for an anonymous visitor, stays cacheable.
    assert not _no_store(world.clients["anonymous"].get("/"))


# --- the JSON API ------------------------------------------------------------------------


def api_operations() -> list[tuple[str, Any]]:
    ops = []
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                ops.append(("/api" + prefix + path, op))
    return ops


def test_every_api_operation_declares_auth() -> None:
    missing = [
        f"{' '.join(op.methods)} {path} ({op.url_name})"
        for path, op in api_operations()
        if not op.auth_callbacks and op.url_name not in PUBLIC_API_ROUTES
    ]
    assert missing == [], "API operations without auth:\n" + "\n".join(missing)


def test_api_operations_refuse_the_wrong_users(world: World) -> None:
    for path, op in api_operations():
        if not op.auth_callbacks:
            continue
        url = re.sub(r"\{(\w+)\}", "zz-unknown", path)
        rules = [getattr(cb, "rule", None) for cb in op.auth_callbacks]
        assert all(rules), f"{path}: auth classes come from accounts.api_auth / applicants.access"
        rule = rules[0]
        method = op.methods[0].lower()

        def call(who: str, method: str = method, url: str = url) -> Any:
            return getattr(world.clients[who], method)(url)

        assert call("anonymous").status_code == 401, path
        if rule.access == Access.APPLICANT:
            for role in StaffRole:
                assert call(f"staff_{role.value}").status_code == 401, f"{path} {role}"
        if rule.access == Access.STAFF:
            assert call("applicant_a").status_code == 401, path
            for role in StaffRole:
                if not rule.grants(ROLE_CAPABILITIES[role]):
                    assert call(f"staff_{role.value}").status_code == 401, f"{path} {role}"


# --- Django's admin ------------------------------------------------------------------------


def test_admin_is_closed_to_applicants_and_to_staff_without_permissions(world: World) -> None:
    for who in ("anonymous", "applicant_a"):
        response = world.clients[who].get("/admin/")
        assert response.status_code == 302
        assert "/admin/login/" in response.headers["Location"]
    # Staff roles get no Django model permissions: the admin lists nothing they can open.
    response = world.clients["staff_reviewer"].get("/admin/accounts/user/")
    assert response.status_code == 403


# --- the checker itself can fail -----------------------------------------------------------


def _undecorated_view(request: Any) -> Any:  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [*get_resolver().url_patterns, _path("sneaky/", _undecorated_view, name="sneaky")]


def test_a_route_without_a_rule_is_caught(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    missing = [r.name for r in all_routes() if r.rule is None]
    assert missing == ["sneaky"]
