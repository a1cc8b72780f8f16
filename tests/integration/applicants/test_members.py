"""Organisation members: invitations (7 days, single use), removal, object-level isolation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from urikake.accounts.models import User
from urikake.applicants import services
from urikake.applicants.models import Invitation, Membership
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError

from .conftest import PASSWORD, add_member, current_versions, invite, make_org, make_user

pytestmark = pytest.mark.django_db

MEMBERS = reverse("applicants:members")


def invitation_url(raw: str) -> str:
    return reverse("applicants:invitation", args=[raw])


def signup_through(client, raw: str):
    return client.post(
        invitation_url(raw),
        {
            "password1": PASSWORD,
            "password2": PASSWORD,
            "agree_terms": "on",
            "agree_privacy": "on",
            **current_versions(),
        },
    )


def test_owner_invites_by_mail_and_a_new_person_signs_up_through_the_link(
    logged_in, client, mailoutbox, django_capture_on_commit_callbacks
):
    owner, org = make_org()
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(owner).post(MEMBERS, {"email": "New.Member@example.com"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.member@example.com"
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    mail = mailoutbox[0]
    assert mail.to == ["new.member@example.com"]
    assert "株式会社ウリカケ" in mail.subject
    raw = mail.body.split("/invitations/")[1].split("/")[0]
    assert raw not in invitation.token_hash
    assert "new.member" not in json.dumps(AuditRecord.objects.get(action="invitation.sent").payload)

    page = client.get(invitation_url(raw)).content.decode()
    assert "株式会社ウリカケ" in page
    assert 'name="password1"' in page
    response = signup_through(client, raw)
    assert response.status_code == 302
    assert response.url == reverse("applicants:home")

    user = User.objects.get(email="new.member@example.com")
    assert EmailAddress.objects.get(user=user).verified  # the link proved the address
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (org, Membership.Role.MEMBER)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user
    record = AuditRecord.objects.get(action="account.created")
    assert record.payload["via"] == "invitation"
    assert client.get(reverse("applicants:home")).status_code == 200
    assert len(mailoutbox) == 1  # no second verification mail


def test_existing_user_logs_in_and_accepts(logged_in, client):
    owner, org = make_org()
    existing = make_user("known@example.com")
    raw = invite(org, "known@example.com", acting_user=owner)

    page = client.get(invitation_url(raw)).content.decode()
    assert reverse("account_login") in page
    assert 'name="password1"' not in page

    invitee = logged_in(existing)
    assert "招待を受けて参加する" in invitee.get(invitation_url(raw)).content.decode()
    response = invitee.post(reverse("applicants:invitation_accept", args=[raw]))
    assert response.url == reverse("applicants:home")
    assert Membership.objects.get(user=existing).organization == org
    assert AuditRecord.objects.filter(action="invitation.accepted").count() == 1


def test_invitation_is_single_use(logged_in, client):
    owner, org = make_org()
    raw = invite(org, "once@example.com", acting_user=owner)
    assert signup_through(client, raw).status_code == 302
    other = type(client)()
    response = other.get(invitation_url(raw))
    assert response.status_code == 410
    assert "既に使用されています" in response.content.decode()
    with pytest.raises(DomainError) as exc:
        services.accept_invitation(raw, acting_user=make_user("x@example.com"))
    assert exc.value.code == "invitation.used"


def test_invitation_expires_after_7_days(client):
    owner, org = make_org()
    raw = invite(org, "late@example.com", acting_user=owner)
    inv = Invitation.objects.get()
    Invitation.objects.filter(pk=inv.pk).update(
        created_at=inv.created_at - timedelta(days=7, minutes=1),
        expires_at=inv.expires_at - timedelta(days=7, minutes=1),
    )
    response = client.get(invitation_url(raw))
    assert response.status_code == 410
    assert "有効期限が切れています" in response.content.decode()
    assert signup_through(client, raw).status_code == 410
    assert not User.objects.filter(email="late@example.com").exists()


def test_invitation_for_someone_else_cannot_be_accepted(logged_in):
    owner, org = make_org()
    raw = invite(org, "intended@example.com", acting_user=owner)
    stranger = logged_in(make_user("stranger@example.com"))
    assert "別のメールアドレス宛て" in stranger.get(invitation_url(raw)).content.decode()
    stranger.post(reverse("applicants:invitation_accept", args=[raw]))
    assert not Membership.objects.filter(user__email="stranger@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_revoked_invitation_is_dead_and_a_new_one_replaces_an_open_one(logged_in, client):
    owner, org = make_org()
    first = invite(org, "p@example.com", acting_user=owner)
    second = invite(org, "p@example.com", acting_user=owner)
    assert client.get(invitation_url(first)).status_code == 410  # replaced
    inv = Invitation.objects.get(revoked_at__isnull=True)
    owner_client = logged_in(owner)
    revoke = reverse("applicants:invitation_revoke", args=[inv.pk])
    assert "取り消しますか" in owner_client.get(revoke).content.decode()
    assert owner_client.post(revoke).url == MEMBERS
    assert client.get(invitation_url(second)).status_code == 410
    assert AuditRecord.objects.filter(action="invitation.revoked").count() == 1


def test_members_cannot_invite(logged_in):
    _owner, org = make_org()
    member = add_member(org, "member@example.com")
    client = logged_in(member)
    page = client.get(MEMBERS).content.decode()
    assert "member@example.com" in page
    assert "owner@example.com" in page
    assert 'name="email"' not in page
    assert client.post(MEMBERS, {"email": "friend@example.com"}).status_code == 403
    assert not Invitation.objects.filter(email="friend@example.com").exists()
    with pytest.raises(DomainError):
        services.invite_member(org, "friend@example.com", acting_user=member)


def test_owner_removes_a_member_but_not_the_last_owner(logged_in):
    owner, org = make_org()
    member = add_member(org, "member@example.com")
    client = logged_in(owner)
    membership = Membership.objects.get(user=member)
    remove = reverse("applicants:member_remove", args=[membership.pk])
    assert "member@example.com" in client.get(remove).content.decode()
    assert client.post(remove).url == MEMBERS
    membership.refresh_from_db()
    assert membership.is_active is False
    assert AuditRecord.objects.get(action="member.removed").payload["role"] == "member"
    # The removed member is now like a user without an organisation.
    assert logged_in(member).get(reverse("applicants:home")).url == reverse("applicants:onboarding")

    own = Membership.objects.get(user=owner)
    client.post(reverse("applicants:member_remove", args=[own.pk]))
    own.refresh_from_db()
    assert own.is_active is True
    assert AuditRecord.objects.filter(action="member.removed").count() == 1


def test_removed_member_can_be_invited_back(logged_in):
    owner, org = make_org()
    member = add_member(org, "member@example.com")
    services.remove_member(Membership.objects.get(user=member), acting_user=owner)
    raw = invite(org, "member@example.com", acting_user=owner)
    services.accept_invitation(raw, acting_user=member)
    assert Membership.objects.get(user=member).is_active


def test_inviting_a_current_member_is_refused(logged_in):
    owner, org = make_org()
    add_member(org, "member@example.com")
    response = logged_in(owner).post(MEMBERS, {"email": "MEMBER@example.com"})
    assert "既にメンバーです" in response.content.decode()


def test_member_of_another_organisation_gets_404_for_our_objects(logged_in):
    owner_a, org_a = make_org("a@example.com")
    member_a = add_member(org_a, "member-a@example.com")
    invite(org_a, "pending@example.com", acting_user=owner_a)
    owner_b, _org_b = make_org("b@example.com", name="株式会社ビー")
    client_b = logged_in(owner_b)

    membership_a = Membership.objects.get(user=member_a)
    invitation_a = Invitation.objects.get(email="pending@example.com")
    for url in (
        reverse("applicants:member_remove", args=[membership_a.pk]),
        reverse("applicants:invitation_revoke", args=[invitation_a.pk]),
    ):
        assert client_b.get(url).status_code == 404
        assert client_b.post(url).status_code == 404
    membership_a.refresh_from_db()
    invitation_a.refresh_from_db()
    assert membership_a.is_active
    assert invitation_a.revoked_at is None
    # …and the same 404 as for an id that does not exist at all.
    assert client_b.get(reverse("applicants:member_remove", args=[999999])).status_code == 404


def test_a_member_of_another_organisation_cannot_join_a_second_one(logged_in):
    owner_a, org_a = make_org("a@example.com")
    owner_b, _org_b = make_org("b@example.com", name="株式会社ビー")
    raw = invite(org_a, "b@example.com", acting_user=owner_a)
    response = logged_in(owner_b).post(reverse("applicants:invitation_accept", args=[raw]))
    assert response.url == invitation_url(raw)
    assert not Membership.objects.filter(user=owner_b, organization=org_a).exists()
    assert Invitation.objects.get().accepted_at is None
