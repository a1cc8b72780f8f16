"""Growing delays, the temporary lock, and no user enumeration (urikake.accounts.lockout)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.fixtures.hashers import CountingArgon2PasswordHasher
from urikake.accounts.lockout import Policy, email_digest
from urikake.accounts.models import LoginThrottle
from urikake.audit.models import AuditRecord
from urikake.domain.email_address import normalise_email

from .conftest import PASSWORD, comparable, create_user, login

pytestmark = pytest.mark.django_db

THROTTLED = "ログインの失敗が続いたため、一時的にログインを制限しています。"
WRONG = "入力されたメールアドレスもしくはパスワードが正しくありません。"
UNKNOWN = "nobody-here@example.com"


def _row(email: str) -> LoginThrottle:
    return LoginThrottle.objects.get(key=email_digest(email))


def _let_next_attempt_through(email: str) -> None:
    """Move the throttle row's clock instead of sleeping through the delay."""
    LoginThrottle.objects.filter(key=email_digest(email)).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _time_passes(email: str) -> None:
    """The lock ran out: move our clock, and drop allauth's rate-limit window (the cache)."""
    past = timezone.now() - dt.timedelta(seconds=1)
    LoginThrottle.objects.filter(key=email_digest(email)).update(
        locked_until=past, next_attempt_at=past
    )
    cache.clear()


def _fail(client: Client, email: str, *, skip_wait: bool = True) -> Any:
    if skip_wait:
        _let_next_attempt_through(email)
    return login(client, email, "wrong password, clearly")


def test_delays_grow_then_the_address_is_locked(client: Client, user: Any) -> None:
    policy = Policy.current()
    assert (policy.free_failures, policy.lock_after) == (3, 10)
    for _ in range(policy.free_failures):
        response = login(client, user.email, "wrong password, clearly")
        assert WRONG in response.content.decode()
    row = _row(user.email)
    assert row.failures == 3
    # From now on each failure makes the next attempt wait: 2, 4, 8, … seconds (capped).
    delays = []
    for failures in range(3, 9):
        assert row.next_attempt_at is not None
        assert row.last_failure_at is not None
        delays.append(round((row.next_attempt_at - row.last_failure_at).total_seconds()))
        # Too early: refused before the password is looked at — even the right one.
        early = login(client, user.email, PASSWORD)
        assert early.status_code == 200
        assert THROTTLED in early.content.decode()
        assert "_auth_user_id" not in client.session
        _fail(client, user.email)
        row = _row(user.email)
        assert row.failures == failures + 1
    assert delays == [2, 4, 8, 16, 32, 60]
    # The lock_after-th failure in a row locks for lock_seconds.
    _fail(client, user.email)
    row = _row(user.email)
    assert row.failures == 10
    assert row.locked_until is not None
    locked_for = (row.locked_until - row.last_failure_at).total_seconds()  # type: ignore[operator]
    assert locked_for == policy.lock_seconds
    assert THROTTLED in login(client, user.email, PASSWORD).content.decode()


def test_a_lock_expires_and_the_right_password_then_works_and_resets(
    client: Client, user: Any
) -> None:
    for _ in range(10):
        _fail(client, user.email)
    assert _row(user.email).locked_until is not None
    assert THROTTLED in login(client, user.email, PASSWORD).content.decode()
    _let_next_attempt_through(user.email)  # a delay is over, the lock is not
    assert THROTTLED in login(client, user.email, PASSWORD).content.decode()
    _time_passes(user.email)
    response = login(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(key=email_digest(user.email)).exists()


def test_after_a_lock_each_further_failure_locks_again(client: Client, user: Any) -> None:
    for _ in range(10):
        _fail(client, user.email)
    _time_passes(user.email)
    _fail(client, user.email)
    row = _row(user.email)
    assert row.failures == 11
    assert row.locked_until is not None
    assert row.locked_until > timezone.now()


def test_success_resets_the_count(client: Client, user: Any) -> None:
    for _ in range(5):
        _fail(client, user.email)
    _let_next_attempt_through(user.email)
    assert login(client, user.email, PASSWORD).status_code == 302
    assert not LoginThrottle.objects.exists()


def test_an_old_streak_is_forgotten(client: Client, user: Any) -> None:
    for _ in range(9):
        _fail(client, user.email)
    LoginThrottle.objects.update(last_failure_at=timezone.now() - dt.timedelta(days=2))
    _fail(client, user.email)
    row = _row(user.email)
    assert row.failures == 1
    assert row.locked_until is None


def test_the_throttle_key_is_an_hmac_of_the_normalised_address(client: Client, user: Any) -> None:
    _fail(client, "  HANAKO@Example.COM ")
    _fail(client, "Hanako@EXAMPLE.com")
    (row,) = LoginThrottle.objects.all()
    assert row.failures == 2
    assert row.key == email_digest("hanako@example.com")
    # Full-width input (which the login form refuses anyway) would share the key too.
    assert normalise_email("ｈａｎａｋｏ@Example.com") == "hanako@example.com"
    assert "hanako" not in row.key


def test_lock_mails_the_owner_once(
    client: Client,
    user: Any,
    mailoutbox: list[Any],
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            _fail(client, user.email)
    assert [m.to for m in mailoutbox] == [[user.email]]
    mail = mailoutbox[0]
    assert "ログインを一時的に制限しました" in mail.subject
    assert "15分間" in mail.body
    assert "日本時間" in mail.body
    assert "/accounts/password/reset/" in mail.body
    # Re-locking in the same streak does not mail again.
    _time_passes(user.email)
    with django_capture_on_commit_callbacks(execute=True):
        _fail(client, user.email)
    assert _row(user.email).failures == 11
    assert len(mailoutbox) == 1


def test_locking_an_unknown_address_mails_nobody(
    client: Client,
    user: Any,
    mailoutbox: list[Any],
    immediate_tasks: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for _ in range(10):
            _fail(client, UNKNOWN)
    # The same background task is enqueued as for a real account (same work, same timing)…
    assert len(callbacks) == 1
    # … and it sends nothing.
    assert mailoutbox == []
    assert _row(UNKNOWN).locked_until is not None


def test_known_and_unknown_addresses_get_identical_pages(client: Client, user: Any) -> None:
    """Same status, same body (bar the CSRF token and the typed address), at every stage."""
    other = Client()
    for attempt in range(12):
        known = _fail(client, user.email)
        unknown = _fail(other, UNKNOWN)
        assert known.status_code == unknown.status_code == 200, attempt
        assert comparable(known.content, user.email) == comparable(unknown.content, UNKNOWN)
        expected = WRONG if attempt < 10 else THROTTLED
        assert expected in known.content.decode(), attempt
    # Throttled without waiting: identical as well.
    known = _fail(client, user.email, skip_wait=False)
    unknown = _fail(other, UNKNOWN, skip_wait=False)
    assert THROTTLED in known.content.decode()
    assert comparable(known.content, user.email) == comparable(unknown.content, UNKNOWN)
    assert _row(user.email).failures == _row(UNKNOWN).failures


def test_an_unknown_address_costs_as_many_password_hashes_as_a_known_one(
    client: Client, settings: Any
) -> None:
    """Django's ModelBackend hashes a dummy password for unknown users (and so does allauth's
    backend), so a wrong password costs the same whether or not the account exists."""
    settings.PASSWORD_HASHERS = ["tests.fixtures.hashers.CountingArgon2PasswordHasher"]
    known = create_user("taro@example.com")
    counts = {}
    for email in (known.email, "jiro@example.com"):
        CountingArgon2PasswordHasher.reset()
        login(client, email, "not the password at all")
        counts[email] = CountingArgon2PasswordHasher.calls
    assert counts[known.email] >= 1
    assert counts["jiro@example.com"] == counts[known.email]
    # A refused (throttled) attempt does not hash at all: refused before the password check.
    for _ in range(5):
        _fail(client, known.email)
    CountingArgon2PasswordHasher.reset()
    assert THROTTLED in login(client, known.email, PASSWORD).content.decode()
    assert CountingArgon2PasswordHasher.calls == 0


def test_failures_and_refusals_are_audited_without_the_address(client: Client, user: Any) -> None:
    for _ in range(10):
        _fail(client, user.email)
    login(client, user.email, PASSWORD)  # refused: locked
    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert actions.count("auth.login_failed") == 10
    assert actions.count("auth.account_locked") == 1
    assert actions.count("auth.login_throttled") == 1
    for record in AuditRecord.objects.all():
        assert "@" not in str(record.payload)
    failed = AuditRecord.objects.filter(action="auth.login_failed").last()
    assert failed is not None
    assert failed.payload["email_hmac"] == email_digest(user.email)
    assert failed.object_id == str(user.pk)
    assert failed.actor == "anonymous"


def test_cleanup_removes_only_stale_rows(client: Client, user: Any) -> None:
    import io

    from django.core.management import call_command

    from urikake.accounts.models import KnownDevice

    for email in ("old@example.com", "locked@example.com", "recent@example.com"):
        _fail(client, email)
    long_ago = timezone.now() - dt.timedelta(days=3)
    LoginThrottle.objects.filter(key=email_digest("old@example.com")).update(
        last_failure_at=long_ago
    )
    LoginThrottle.objects.filter(key=email_digest("locked@example.com")).update(
        last_failure_at=long_ago, locked_until=timezone.now() + dt.timedelta(minutes=5)
    )
    KnownDevice.objects.create(
        user=user, device_hash="a" * 64, last_seen_at=timezone.now() - dt.timedelta(days=401)
    )
    KnownDevice.objects.create(user=user, device_hash="b" * 64)
    out = io.StringIO()
    call_command("accounts_cleanup", stdout=out)
    assert "login throttles: 1, known devices: 1" in out.getvalue()
    assert not LoginThrottle.objects.filter(key=email_digest("old@example.com")).exists()
    assert LoginThrottle.objects.filter(key=email_digest("locked@example.com")).exists()
    assert LoginThrottle.objects.filter(key=email_digest("recent@example.com")).exists()
    assert list(KnownDevice.objects.values_list("device_hash", flat=True)) == ["b" * 64]
