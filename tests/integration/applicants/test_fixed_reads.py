"""The reads every signed-in request makes, sent as SQL text (urikake.accounts.fixed_reads).

Nothing is kept between requests: a disabled user, a removed membership, a withdrawn
consent, a logged-out session or a staff member's removed authenticator takes effect on the
very next request. And each read gives what the ORM gave: the same instances, field by field.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from urikake.accounts.middleware import has_staff_mfa
from urikake.accounts.models import User
from urikake.applicants import services
from urikake.applicants.access import current_membership, current_organization
from urikake.applicants.models import Membership, Organization
from urikake.notifications.models import Notification
from urikake.notifications.services import unread_count

from .conftest import add_member, make_org

pytestmark = pytest.mark.django_db

STATEMENTS = reverse("receivables:statements")
PAYOUTS = "/api/treasury/my/payouts"


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_user_read_gives_what_the_orm_gives() -> None:
    owner, _org = make_org()
    owner.last_login = timezone.now()
    owner.full_name = "売掛 太郎"
    owner.save()
    orm = User.objects.filter(pk=owner.pk).get()  # not get(pk=…): the ORM's own query
    for pk in (owner.pk, str(owner.pk)):
        read = User.objects.get(pk=pk)
        assert _fields(read) == _fields(orm)
        assert read._state.db == "default"
        assert read._state.adding is False
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=owner.pk + 1000)
    assert User.objects.get(email=owner.email) == owner  # other lookups: the ORM's
    # a related manager keeps its own filter: a user outside the group is not in it
    group = Group.objects.create(name="g")
    with pytest.raises(User.DoesNotExist):
        group.user_set.get(pk=owner.pk)
    group.user_set.add(owner)
    assert group.user_set.get(pk=owner.pk) == owner


def test_the_membership_read_gives_what_the_orm_gives(logged_in: Any) -> None:
    owner, org = make_org()
    request = RequestFactory().get("/")
    request.user = owner
    with CaptureQueriesContext(connection) as queries:
        membership = current_membership(request)
        assert current_organization(request) == org
        organization = membership.organization  # type: ignore[union-attr]
    assert len(queries) == 1  # membership and organisation together, once per request
    orm = Membership.objects.select_related("organization").get(user=owner, is_active=True)
    assert _fields(membership) == _fields(orm)
    assert _fields(organization) == _fields(Organization.objects.get(pk=org.pk))


def test_the_unread_count_and_staff_mfa_reads(logged_in: Any) -> None:
    owner, org = make_org()
    for n in range(3):
        Notification.objects.create(
            event="test", subject=f"s:{n}", recipient=owner, organization=org
        )
    Notification.objects.filter(subject="s:0").update(read_at=timezone.now())
    assert unread_count(owner) == 2
    staff = User.objects.create_user(email="staff@operator.example", is_staff=True)
    assert has_staff_mfa(staff) is False
    Authenticator.objects.create(user=staff, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert has_staff_mfa(staff) is False  # recovery codes alone are not MFA
    TOTP.activate(staff, generate_totp_secret())
    assert has_staff_mfa(staff) is True


def test_a_disabled_user_is_signed_out_on_the_next_request(logged_in: Any) -> None:
    owner, _org = make_org()
    client = logged_in(owner)
    assert client.get(STATEMENTS).status_code == 200
    User.objects.filter(pk=owner.pk).update(is_active=False)
    response = client.get(STATEMENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(PAYOUTS).status_code == 401


def test_a_password_changed_elsewhere_ends_the_session_on_the_next_request(
    logged_in: Any,
) -> None:
    owner, _org = make_org()
    client = logged_in(owner)
    assert client.get(STATEMENTS).status_code == 200
    owner.set_password("another-long-password-2026")
    owner.save()
    assert client.get(STATEMENTS)["Location"].startswith(reverse("account_login"))


def test_a_removed_member_loses_the_organisation_on_the_next_request(logged_in: Any) -> None:
    owner, org = make_org()
    member = add_member(org, "member@example.com")
    client = logged_in(member)
    assert client.get(STATEMENTS).status_code == 200
    assert client.get(PAYOUTS).status_code == 200
    services.remove_member(Membership.objects.get(user=member, organization=org), acting_user=owner)
    response = client.get(STATEMENTS)
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:onboarding")
    assert client.get(PAYOUTS).status_code == 401


def test_a_withdrawn_consent_is_asked_again_on_the_next_request(logged_in: Any) -> None:
    owner, _org = make_org()
    client = logged_in(owner)
    assert client.get(STATEMENTS).status_code == 200
    services.withdraw_consent(acting_user=owner, ip=None)
    response = client.get(STATEMENTS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("applicants:consent"))


def test_a_logged_out_session_is_anonymous_on_the_next_request(logged_in: Any) -> None:
    owner, _org = make_org()
    client = logged_in(owner)
    cookie = client.cookies["urikake_session"].value
    assert client.get(STATEMENTS).status_code == 200
    client.post(reverse("account_logout"))
    replay = Client()
    replay.cookies["urikake_session"] = cookie  # the old cookie, sent again
    assert replay.get(STATEMENTS)["Location"].startswith(reverse("account_login"))


def test_staff_without_mfa_is_sent_to_set_it_up_on_the_next_request(logged_in: Any) -> None:
    staff = User.objects.create_user(
        email="reviewer@operator.example", is_staff=True, staff_role="reviewer"
    )
    TOTP.activate(staff, generate_totp_secret())
    client = logged_in(staff)
    home = reverse("backoffice:home")
    assert client.get(home).status_code == 200
    Authenticator.objects.filter(user=staff).delete()
    assert client.get(home)["Location"] == reverse("mfa_index")
