"""Growing delays and a temporary lock after failed logins (ASVS V2.2.1, NIST 800-63B §3.2.2).

Per typed e-mail address, keyed by ``HMAC(SECRET_KEY, normalised address)``, so that an
address nobody registered is throttled exactly like a registered one (no enumeration), and
the table names no one. ``settings.LOGIN_LOCKOUT``:

* ``free_failures`` failures cost nothing; after that each attempt must wait
  ``base_delay_seconds`` doubling per further failure, up to ``max_delay_seconds``;
* the ``lock_after``-th failure in a row locks the address for ``lock_seconds``; every
  failure after a lock locks again (so a patient attacker gets about one guess per lock);
* a successful login or a password reset clears the row; a streak older than
  ``reset_after_seconds`` (default one day) starts again from zero.

While a delay or lock is in force the attempt is refused *before* the password is checked,
with one message for every case (``AccountAdapter.error_messages``). The first lock of a
streak mails the owner — through a background task that is enqueued for unknown addresses
too, so that locking a registered address takes no longer than locking an invented one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_tasks import task

from urikake.accounts.models import LoginThrottle, User
from urikake.accounts.user_mail import send_user_mail
from urikake.domain.email_address import normalise_email


def email_digest(email: str) -> str:
    """HMAC-SHA256 of the normalised address: the throttle key and the audit pseudonym."""
    return salted_hmac(
        "urikake.accounts.email", normalise_email(email), algorithm="sha256"
    ).hexdigest()


@dataclass(frozen=True)
class Policy:
    free_failures: int
    base_delay_seconds: int
    max_delay_seconds: int
    lock_after: int
    lock_seconds: int
    reset_after_seconds: int

    @classmethod
    def current(cls) -> Policy:
        conf: dict[str, Any] = getattr(settings, "LOGIN_LOCKOUT", {})
        return cls(
            free_failures=int(conf.get("free_failures", 3)),
            base_delay_seconds=int(conf.get("base_delay_seconds", 2)),
            max_delay_seconds=int(conf.get("max_delay_seconds", 60)),
            lock_after=int(conf.get("lock_after", 10)),
            lock_seconds=int(conf.get("lock_seconds", 15 * 60)),
            reset_after_seconds=int(conf.get("reset_after_seconds", 24 * 60 * 60)),
        )

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after ``failures`` failures in a row (before any lock)."""
        if failures < self.free_failures:
            return 0
        exponent = min(failures - self.free_failures, 30)  # 2**30 s is "forever" already
        return int(min(self.base_delay_seconds * 2**exponent, self.max_delay_seconds))


def is_refused(email: str) -> bool:
    """Whether an attempt for ``email`` must be refused now, without checking the password.

    An allowed attempt inside the delay regime pushes ``next_attempt_at`` forward at once,
    so that many attempts sent in parallel cannot all slip through the same gap.
    """
    policy = Policy.current()
    now = timezone.now()
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().filter(key=email_digest(email)).first()
        if row is None:
            return False
        if _streak_expired(row, policy, now):
            row.delete()
            return False
        if any(t is not None and now < t for t in (row.locked_until, row.next_attempt_at)):
            return True
        delay = policy.delay_after(row.failures)
        if delay:
            row.next_attempt_at = now + dt.timedelta(seconds=delay)
            row.save(update_fields=["next_attempt_at"])
        return False


@dataclass(frozen=True)
class Failure:
    failures: int
    locked_until: dt.datetime | None
    just_locked: bool  # this failure set a new lock
    first_lock: bool  # … and it is the first lock of the streak (the owner is mailed)


def record_failure(email: str, *, user_pk: int | None) -> Failure:
    """Count one failed attempt for ``email``; lock when the policy says so.

    ``user_pk`` is the owner of the address if there is one (it only decides who gets the
    lock mail; the caller looks it up for known and unknown addresses alike).
    """
    policy = Policy.current()
    now = timezone.now()
    with transaction.atomic():
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=email_digest(email))
        if _streak_expired(row, policy, now):
            row.failures = 0
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = now
        delay = policy.delay_after(row.failures)
        row.next_attempt_at = now + dt.timedelta(seconds=delay) if delay else None
        just_locked = False
        if row.failures >= policy.lock_after:
            row.locked_until = now + dt.timedelta(seconds=policy.lock_seconds)
            row.next_attempt_at = row.locked_until
            just_locked = True
        row.save()
        first_lock = just_locked and row.failures == policy.lock_after
        if first_lock:
            locked_until = row.locked_until
            assert locked_until is not None
            # Enqueued for unknown addresses too (user_pk=None): same work, same timing.
            transaction.on_commit(
                lambda: notify_account_locked.enqueue(user_pk, locked_until.isoformat())
            )
    return Failure(row.failures, row.locked_until, just_locked, first_lock)


def reset(emails: list[str]) -> None:
    """Forget failures for these addresses (after a successful login or password reset)."""
    keys = [email_digest(e) for e in emails if e]
    if keys:
        LoginThrottle.objects.filter(key__in=keys).delete()


def _streak_expired(row: LoginThrottle, policy: Policy, now: dt.datetime) -> bool:
    if row.locked_until is not None and now < row.locked_until:
        return False
    if row.last_failure_at is None:
        return False
    return now - row.last_failure_at > dt.timedelta(seconds=policy.reset_after_seconds)


@task()
def notify_account_locked(user_pk: int | None, locked_until: str) -> bool:
    """Tell the owner that their account is locked for a while (nothing for unknown e-mails)."""
    if user_pk is None:
        return False
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return False
    return send_user_mail(
        user,
        "accounts/email/account_locked",
        {
            "locked_until": dt.datetime.fromisoformat(locked_until),
            "lock_minutes": Policy.current().lock_seconds // 60,
            "reset_url": reverse("account_reset_password"),
        },
    )
