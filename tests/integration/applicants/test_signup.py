"""E-mail-first sign-up: the mailed link, its 30-minute single use, and no account enumeration."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import password_validation
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants import services, terms
from urikake.applicants.models import Consent, SignupToken
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError

from .conftest import PASSWORD, current_versions, link_in, make_user, signup_form

pytestmark = pytest.mark.django_db


def request_link(client, mailoutbox, capture, email: str) -> str:
    with capture(execute=True):
        response = client.post(reverse("applicants:signup"), signup_form(email))
    assert response.status_code == 302
    assert response.url == reverse("applicants:signup_sent")
    return link_in(mailoutbox[-1].body, "/signup/verify/")


def test_signup_mails_a_link_and_stores_only_its_hash(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    path = request_link(
        client, mailoutbox, django_capture_on_commit_callbacks, "Hanako@Example.com"
    )

    mail = mailoutbox[0]
    assert mail.to == ["hanako@example.com"]
    assert "メールアドレスの確認" in mail.subject
    assert "30分" in mail.body
    raw = path.split("/")[3]
    token = SignupToken.objects.get()
    assert token.email == "hanako@example.com"
    assert raw not in token.token_hash
    assert len(token.token_hash) == 64
    assert token.expires_at - token.created_at == timedelta(minutes=30)
    assert (token.terms_version, token.privacy_version) == (
        terms.current_versions()["terms"],
        terms.current_versions()["privacy"],
    )
    record = AuditRecord.objects.get(action="signup.started")
    assert record.actor == "anonymous"
    assert "hanako" not in json.dumps(record.payload)
    # No account exists until the password is set.
    assert not User.objects.exists()


def test_signup_requires_both_agreements(client, mailoutbox):
    data = signup_form("a@example.com")
    del data["agree_privacy"]
    response = client.post(reverse("applicants:signup"), data)
    assert response.status_code == 200
    assert "プライバシーポリシーへの同意が必要です" in response.content.decode()
    assert not SignupToken.objects.exists()
    assert mailoutbox == []


def test_registered_address_gets_the_same_page_and_a_different_mail(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    make_user("taken@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("applicants:signup"), signup_form("TAKEN@example.com"))
        unknown = client.post(reverse("applicants:signup"), signup_form("fresh@example.com"))

    # The response cannot tell the two apart.
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    page = client.get(known.url)
    assert "確認メールを送信しました" in page.content.decode()

    already, verify = mailoutbox
    assert already.to == ["taken@example.com"]
    assert "既に登録されています" in already.body
    assert "/accounts/login/" in already.body
    assert "/accounts/password/reset/" in already.body
    assert "/signup/verify/" not in already.body
    assert verify.to == ["fresh@example.com"]
    assert SignupToken.objects.filter(email="taken@example.com").count() == 0


def test_full_signup_creates_a_verified_logged_in_user_with_consents(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    path = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "new@example.com")

    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "new@example.com" in html
    # The project's password rules explain themselves on the form.
    assert str(password_validation.password_validators_help_text_html()) in html
    # Opening the link (as mail scanners do) does not use it up.
    assert SignupToken.objects.get().used_at is None

    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("applicants:onboarding")

    user = User.objects.get(email="new@example.com")
    assert user.check_password(PASSWORD)
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("new@example.com", True, True)
    assert int(client.session["_auth_user_id"]) == user.pk
    consents = {c.document: c for c in Consent.objects.filter(user=user)}
    assert set(consents) == {"terms", "privacy"}
    token = SignupToken.objects.get()
    for c in consents.values():
        assert c.action == Consent.Action.GIVEN
        assert c.ip == "127.0.0.1"
        assert c.at == token.created_at
    assert consents["terms"].version == terms.current_versions()["terms"]
    record = AuditRecord.objects.get(action="account.created")
    assert record.actor == f"user:{user.pk}"
    assert "new@example" not in json.dumps(record.payload)

    # The next stop is the first onboarding step.
    assert client.get(response.url).url == reverse("applicants:onboarding_profile")


def test_link_is_single_use(client, mailoutbox, django_capture_on_commit_callbacks):
    path = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "once@example.com")
    assert client.post(path, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302

    other_tab = type(client)()
    response = other_tab.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    html = response.content.decode()
    assert "既に使用されています" in html
    assert reverse("applicants:signup") in html
    assert User.objects.filter(email="once@example.com").count() == 1
    assert other_tab.get(path).status_code == 410


def test_conditional_update_refuses_a_token_used_between_check_and_consume(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    path = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "race@example.com")
    raw = path.split("/")[3]
    services.complete_signup(raw, password=PASSWORD)
    with pytest.raises(DomainError) as exc:
        services.complete_signup(raw, password=PASSWORD)
    assert exc.value.code == "signup_token.used"
    assert User.objects.filter(email="race@example.com").count() == 1


def test_link_expires_after_30_minutes(client, mailoutbox, django_capture_on_commit_callbacks):
    path = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "late@example.com")
    token = SignupToken.objects.get()
    # 31 minutes later, as the database sees it.
    SignupToken.objects.filter(pk=token.pk).update(
        created_at=token.created_at - timedelta(minutes=31),
        expires_at=token.expires_at - timedelta(minutes=31),
    )
    page = client.get(path)
    assert page.status_code == 410
    assert "有効期限が切れています" in page.content.decode()
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    assert not User.objects.exists()


def test_link_still_valid_just_before_expiry(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    path = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "edge@example.com")
    token = SignupToken.objects.get()
    SignupToken.objects.filter(pk=token.pk).update(
        created_at=token.created_at - timedelta(minutes=29),
        expires_at=token.expires_at - timedelta(minutes=29),
    )
    assert client.get(path).status_code == 200


def test_unknown_link_gets_a_clear_page(client):
    response = client.get(reverse("applicants:signup_verify", args=["not-a-real-token"]))
    assert response.status_code == 404
    html = response.content.decode()
    assert "このリンクは無効です" in html
    assert reverse("applicants:signup") in html


def test_password_rules_are_enforced(client, mailoutbox, django_capture_on_commit_callbacks):
    path = request_link(
        client, mailoutbox, django_capture_on_commit_callbacks, "taro.yamada@example.com"
    )
    mismatch = client.post(path, {"password1": PASSWORD, "password2": PASSWORD + "x"})
    assert "確認用のパスワードが一致しません" in mismatch.content.decode()
    # UserAttributeSimilarityValidator: the password may not resemble the address.
    similar = client.post(
        path, {"password1": "taro.yamada@example.com", "password2": "taro.yamada@example.com"}
    )
    assert similar.status_code == 200
    assert 'class="errorlist' in similar.content.decode()
    # The project's length rule (15+ characters without MFA) applies to this form too.
    short = client.post(path, {"password1": "kaede-momiji", "password2": "kaede-momiji"})
    assert short.status_code == 200
    assert 'class="errorlist' in short.content.decode()
    assert not User.objects.exists()
    assert SignupToken.objects.get().used_at is None


def test_other_pending_links_for_the_address_are_closed(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    first = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "two@example.com")
    second = request_link(client, mailoutbox, django_capture_on_commit_callbacks, "two@example.com")
    assert client.post(second, {"password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    assert type(client)().get(first).status_code == 410


def test_terms_revised_while_the_form_was_open(client, mailoutbox, monkeypatch):
    stale = signup_form("slow@example.com")
    monkeypatch.setitem(
        terms.CURRENT,
        terms.Document.TERMS,
        terms.Version(terms.Document.TERMS, "2099-01-01", "applicants/terms/terms.html"),
    )
    response = client.post(reverse("applicants:signup"), stale)
    assert response.status_code == 200
    assert "改定されました" in response.content.decode()
    assert not SignupToken.objects.exists()
    assert current_versions()["terms_version"] == "2099-01-01"


def test_logged_in_user_is_sent_to_my_page(client):
    user = make_user("me@example.com")
    client.force_login(user)
    assert client.get(reverse("applicants:signup")).url == reverse("applicants:home")


@pytest.mark.django_db(transaction=True)
def test_two_tabs_racing_on_one_link_cannot_both_use_it(postgresql_only, mailoutbox):
    """The conditional UPDATE, not the earlier read, is what stops the second tab.

    Tab B has used the link but not committed yet (it holds the row lock); tab A has already
    read the link as unused. A's UPDATE must wait for B and then find nothing to update.
    """
    services.start_signup("race@example.com", ip=None, **current_versions())
    raw = link_in(mailoutbox[0].body, "/signup/verify/").split("/")[3]
    token = SignupToken.objects.get()
    locked, release = threading.Event(), threading.Event()
    outcome: dict[str, str] = {}

    def tab_b() -> None:
        try:
            with transaction.atomic():
                SignupToken.objects.filter(pk=token.pk).update(used_at=timezone.now())
                locked.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    def tab_a() -> None:
        try:
            services.complete_signup(raw, password=PASSWORD)
            outcome["a"] = "created"
        except DomainError as exc:
            outcome["a"] = exc.code
        finally:
            connection.close()

    b = threading.Thread(target=tab_b)
    b.start()
    assert locked.wait(timeout=60)
    a = threading.Thread(target=tab_a)
    a.start()
    # Wait until A is actually blocked on B's row lock (no sleeping for a fixed time).
    with connection.cursor() as cursor:
        for _ in range(6000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("tab A never waited for tab B's lock")
    release.set()
    a.join(timeout=60)
    b.join(timeout=60)
    assert outcome == {"a": "signup_token.used"}
    assert not User.objects.exists()


def test_signups_from_one_address_are_rate_limited(client, settings, mailoutbox):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    for n in range(2):
        response = client.post(reverse("applicants:signup"), signup_form(f"u{n}@example.com"))
        assert response.status_code == 302
    response = client.post(reverse("applicants:signup"), signup_form("u3@example.com"))
    assert response.status_code == 429
    assert SignupToken.objects.count() == 2
