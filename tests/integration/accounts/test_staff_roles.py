"""Staff roles change only through the audited service: administrators grant and revoke,
never for themselves; the Django admin shows the privilege fields read-only."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied
from django.test import Client

from urikake.accounts import services
from urikake.accounts.models import User
from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError

pytestmark = pytest.mark.django_db


def _staff(email: str, role: str, **extra: Any) -> User:
    user = User.objects.create_user(
        email=email, password="x" * 20, is_staff=bool(role), staff_role=role, **extra
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if role:
        TOTP.activate(user, generate_totp_secret())
    return user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser(email="admin@staff.example", password="x" * 20)


def _actions(user: User) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (r.action, r.actor, r.payload)
        for r in AuditRecord.objects.filter(
            object_type="accounts.user", object_id=str(user.pk)
        ).order_by("seq")
    ]


def test_an_admin_grants_and_revokes_and_both_are_audited(admin: User) -> None:
    bob = _staff("bob@staff.example", "")
    services.grant_staff_role(bob, "treasury", acting_user=admin)
    bob.refresh_from_db()
    assert (bob.is_staff, bob.staff_role) == (True, "treasury")
    services.grant_staff_role(bob, "reviewer", acting_user=admin)
    services.revoke_staff_role(bob, acting_user=admin)
    bob.refresh_from_db()
    assert (bob.is_staff, bob.is_superuser, bob.staff_role) == (False, False, "")
    assert _actions(bob) == [
        ("staff.role_granted", f"user:{admin.pk}", {"role": "treasury", "previous": ""}),
        ("staff.role_granted", f"user:{admin.pk}", {"role": "reviewer", "previous": "treasury"}),
        ("staff.role_revoked", f"user:{admin.pk}", {"previous": "reviewer"}),
    ]


def test_refusals_change_nothing(admin: User) -> None:
    treasury = _staff("t@staff.example", "treasury")
    bob = _staff("bob@staff.example", "reviewer")
    audits = AuditRecord.objects.count()
    with pytest.raises(PermissionDenied):  # only the admin role manages staff
        services.grant_staff_role(bob, "treasury", acting_user=treasury)
    with pytest.raises(PermissionDenied):
        services.grant_staff_role(treasury, "admin", acting_user=treasury)
    with pytest.raises(DomainError) as exc:  # never oneself
        services.grant_staff_role(admin, "treasury", acting_user=admin)
    assert exc.value.code == "staff.self_change"
    with pytest.raises(DomainError):
        services.revoke_staff_role(admin, acting_user=admin)
    with pytest.raises(DomainError):
        services.grant_staff_role(bob, "superhero", acting_user=admin)
    owner = _staff("owner@example.jp", "")
    org = Organization.objects.create(kind="corporation", name="株式会社申込")
    Membership.objects.create(user=owner, organization=org, role="owner")
    with pytest.raises(DomainError) as exc:  # an applicant's login never becomes staff
        services.grant_staff_role(owner, "treasury", acting_user=admin)
    assert exc.value.code == "staff.applicant_account"
    bob.refresh_from_db()
    treasury.refresh_from_db()
    admin.refresh_from_db()
    assert (bob.staff_role, treasury.staff_role, admin.staff_role) == (
        "reviewer",
        "treasury",
        "admin",
    )
    assert AuditRecord.objects.count() == audits


def test_the_django_admin_cannot_change_privileges(admin: User) -> None:
    TOTP.activate(admin, generate_totp_secret())
    client = _client(admin)
    url = f"/admin/accounts/user/{admin.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="staff_role"' not in page.content.decode()
    response = client.post(
        url,
        {
            "email": admin.email,
            "full_name": "管理 太郎",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "staff_role": "treasury",
        },
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.full_name == "管理 太郎"  # the form was saved…
    assert admin.staff_role == "admin"  # …but the admin did not give itself treasury
    assert not AuditRecord.objects.filter(action="staff.role_granted").exists()


def test_the_back_office_page_lists_grants_and_revokes(admin: User) -> None:
    TOTP.activate(admin, generate_totp_secret())
    client = _client(admin)
    bob = _staff("bob@staff.example", "")
    home = client.get("/backoffice/").content.decode()
    assert 'href="/backoffice/staff/"' in home
    page = client.get("/backoffice/staff/").content.decode()
    assert "スタッフ権限の管理" in page
    assert "admin@staff.example" in page
    response = client.post(
        "/backoffice/staff/", {"action": "grant", "email": "BOB@staff.example", "role": "treasury"}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.staff_role == "treasury"
    page = client.get("/backoffice/staff/").content.decode()
    assert "bob@staff.example" in page
    assert "送金・回収担当" in page
    # Oneself: refused with a Japanese message, nothing changes.
    html = client.post(
        "/backoffice/staff/", {"action": "grant", "email": admin.email, "role": "treasury"}
    ).content.decode()
    assert "自分自身の権限は変更できません" in html
    html = client.post(
        "/backoffice/staff/", {"action": "grant", "email": "nobody@x.example", "role": "treasury"}
    ).content.decode()
    assert "このメールアドレスのアカウントはありません" in html
    response = client.post("/backoffice/staff/", {"action": "revoke", "user_id": bob.pk})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert (bob.is_staff, bob.staff_role) == (False, "")
    assert [a for a, _, _ in _actions(bob)] == ["staff.role_granted", "staff.role_revoked"]


def test_only_the_admin_role_reaches_the_page() -> None:
    for role in ("reviewer", "treasury", "compliance", "structuring"):
        user = _staff(f"{role}@staff.example", role)
        assert _client(user).get("/backoffice/staff/").status_code == 403


def test_the_page_in_english(admin: User, settings: Any) -> None:
    TOTP.activate(admin, generate_totp_secret())
    client = _client(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/backoffice/staff/").content.decode()
    assert "Staff roles" in html
    assert "Grant a role" in html
    assert "スタッフ一覧" not in html
