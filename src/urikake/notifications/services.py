"""The one entry point for telling people about events: :func:`notify` (and
:func:`notify_staff`), plus the notification centre's reads and the phone verification.

Call it inside the transaction of the change it reports: the rows are written with the change
(a rolled-back action tells nobody) and mail/SMS leave after commit through the task queue,
retried, never failing the action. Calling it twice for the same (event, subject) tells
nobody twice: unique constraints on :class:`Notification` and :class:`Delivery` make it
idempotent, whatever retries a task or a double click causes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from urikake.accounts.fixed_reads import SqlText
from urikake.accounts.models import User
from urikake.accounts.roles import ROLE_CAPABILITIES, Capability
from urikake.accounts.services import language_of
from urikake.applicants import services as applicants
from urikake.applicants.models import Membership, NotificationSettings, Organization
from urikake.audit import services as audit
from urikake.domain.errors import DomainError
from urikake.mail import services as mail
from urikake.notifications.events import EVENTS, Event, body_of, title_of
from urikake.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    PhoneVerification,
)

MAIL_TEMPLATE = "notifications/mail/event"
SMS_PREFIX = "【Urikake】"  # a message id: "[Urikake] " in English


# --- telling people --------------------------------------------------------------------------


def settings_of(organization: Organization) -> NotificationSettings:
    """The organisation's choices (the model's defaults until it saved the step)."""
    row = NotificationSettings.objects.filter(organization=organization).first()
    return row or NotificationSettings(organization=organization)


def members_of(organization: Organization) -> list[User]:
    """Who hears of the organisation's events: its active members with an active account."""
    return [
        m.user
        for m in Membership.objects.select_related("user")
        .filter(organization=organization, is_active=True, user__is_active=True)
        .order_by("user_id")
    ]


def absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def notify(
    event_key: str,
    *,
    organization: Organization,
    subject: str,
    context: Mapping[str, Any] | None = None,
    url: str = "",
    mail_template: str = "",
    mail_context: Mapping[str, Any] | None = None,
) -> list[Notification]:
    """Tell the organisation's members about ``event_key`` concerning ``subject`` (e.g.
    ``"application:12"``): an entry in each member's notification centre, a mail unless the
    organisation turned that kind of mail off, an SMS to its verified mobile number when the
    event is important and the organisation asked for SMS. Returns the new entries (none when
    the event was already told).

    ``mail_template`` (with ``mail_context``) replaces the generic mail where an event needs a
    letter of its own (the collection reminders)."""
    event = _event(event_key, "applicant")
    values = dict(context or {})
    choices = settings_of(organization)
    mail_on = mail_wanted(event, choices)
    letter = (mail_template, dict(mail_context or {})) if mail_template else None
    told = [
        n
        for user in members_of(organization)
        if (
            n := _tell(
                event, user, organization, subject, values, url, mail_on=mail_on, letter=letter
            )
        )
    ]
    if event.sms and choices.sms_important and phone_verified(organization):
        language = sms_language(organization)
        text = _in_language(language, title_of, event.key, values)
        with translation.override(language):
            text = gettext(SMS_PREFIX) + text
        if url:
            text += " " + absolute(url)
        queue_sms(event.key, subject, organization.contact_phone, text)
    return told


def mail_wanted(event: Event, choices: NotificationSettings) -> bool:
    return event.mail_setting is None or bool(getattr(choices, event.mail_setting))


def mail_recipients(event_key: str, organization: Organization) -> list[str]:
    """The addresses :func:`notify` would mail for this event (for counts and dry runs)."""
    if not mail_wanted(EVENTS[event_key], settings_of(organization)):
        return []
    return [u.email for u in members_of(organization) if u.email]


def staff_with(capability: Capability) -> QuerySet[User]:
    roles = [role.value for role, caps in ROLE_CAPABILITIES.items() if capability in caps]
    return User.objects.filter(is_active=True, is_staff=True, staff_role__in=roles).order_by("pk")


def notify_staff(
    event_key: str,
    *,
    capability: Capability,
    subject: str,
    context: Mapping[str, Any] | None = None,
    url: str = "",
) -> list[Notification]:
    """Tell every active staff member whose role has ``capability`` (centre + mail)."""
    event = _event(event_key, "staff")
    values = dict(context or {})
    return [
        n
        for user in staff_with(capability)
        if (n := _tell(event, user, None, subject, values, url, mail_on=True))
    ]


def _event(event_key: str, audience: str) -> Event:
    event = EVENTS.get(event_key)
    if event is None or event.audience != audience:
        raise ValueError(f"unknown {audience} event {event_key!r}")
    return event


def _tell(
    event: Event,
    user: User,
    organization: Organization | None,
    subject: str,
    context: dict[str, Any],
    url: str,
    *,
    mail_on: bool,
    letter: tuple[str, dict[str, Any]] | None = None,
) -> Notification | None:
    told = Notification.objects.filter(event=event.key, subject=subject[:100], recipient=user)
    if told.exists():
        return None  # already told (the fast path; the constraint below settles races)
    try:
        with transaction.atomic():  # a savepoint: the duplicate is refused, the caller goes on
            notification = Notification.objects.create(
                event=event.key,
                subject=subject[:100],
                recipient=user,
                organization=organization,
                context=context,
                url=url[:300],
            )
    except IntegrityError:
        return None  # already told: a retry or a double click
    if mail_on and user.email:
        delivery = _claim(event.key, subject, Channel.MAIL, user.email, notification)
        if delivery is not None:
            language = language_of(user)
            template, mail_context = letter or (
                MAIL_TEMPLATE,
                _mail_context(event, context, url, language),
            )
            sent = mail.send(user.email, template, mail_context, language=language)
            delivery.outbound_mail_id = sent.pk if sent else None
            delivery.save(update_fields=["outbound_mail_id"])
    return notification


def _mail_context(
    event: Event, context: Mapping[str, Any], url: str, language: str
) -> dict[str, Any]:
    return {
        "title": _in_language(language, title_of, event.key, context),
        "body": _in_language(language, body_of, event.key, context),
        "reasons": [str(r) for r in context.get("reasons", [])],
        "url": absolute(url) if url else "",
        "staff": event.audience == "staff",
    }


def _in_language(language: str, render: Any, event_key: str, context: Mapping[str, Any]) -> str:
    with translation.override(language):
        return str(render(event_key, context))


def sms_language(organization: Organization) -> str:
    """The language of SMS to the organisation's mobile number: that of the member who
    verified the number (the person holding the phone), else the site's default."""
    verification = (
        PhoneVerification.objects.select_related("requested_by")
        .filter(
            organization=organization,
            phone=organization.contact_phone,
            verified_at__isnull=False,
        )
        .order_by("-verified_at", "-pk")
        .first()
    )
    return language_of(verification.requested_by if verification else None)


def _claim(
    event_key: str,
    subject: str,
    channel: str,
    address: str,
    notification: Notification | None = None,
    *,
    body: str = "",
) -> Delivery | None:
    """The delivery row for (event, subject, channel, address); None if it already exists."""
    try:
        with transaction.atomic():
            return Delivery.objects.create(
                event=event_key,
                subject=subject[:100],
                channel=channel,
                address=address,
                notification=notification,
                body=body,
            )
    except IntegrityError:
        return None


def queue_sms(event_key: str, subject: str, phone: str, text: str) -> Delivery | None:
    """Store an SMS and send it after commit through the task queue (retried on failure)."""
    delivery = _claim(event_key, subject, Channel.SMS, phone, body=text)
    if delivery is not None:
        from urikake.notifications.tasks import enqueue_sms

        transaction.on_commit(functools.partial(enqueue_sms, delivery.pk), robust=True)
    return delivery


def retry_due_sms(*, now: datetime | None = None) -> int:
    """Send again every queued SMS whose retry time has come (``urikake notifications``)."""
    from urikake.notifications.tasks import enqueue_sms

    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(
            channel=Channel.SMS, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    for pk in due:
        enqueue_sms(pk)
    return len(due)


# --- the notification centre -----------------------------------------------------------------


def inbox(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def _unread_sql(db: Any) -> str:
    qn = db.ops.quote_name
    return (
        f"SELECT COUNT(*) FROM {qn(Notification._meta.db_table)} "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
        f"WHERE {qn('recipient_id')} = %s AND {qn('read_at')} IS NULL"
    )


# The header's bell asks this on every page: sent without the ORM building it each time
_UNREAD_READ = SqlText(_unread_sql)


def unread_count(user: User) -> int:
    """``Notification.objects.filter(recipient=user, read_at__isnull=True).count()``."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_READ(connection), [user.pk])
        (count,) = cursor.fetchone()
    return int(count)


def mark_read(notification_id: int, *, acting_user: User) -> Notification:
    """Mark one of the user's own notifications read (another's is a DoesNotExist → 404)."""
    with transaction.atomic():
        n = Notification.objects.select_for_update().get(pk=notification_id, recipient=acting_user)
        if n.read_at is None:
            n.read_at = timezone.now()
            n.save(update_fields=["read_at"])
            audit.record("notification.read", actor=acting_user, obj=n, payload={})
    return n


def mark_all_read(*, acting_user: User) -> int:
    with transaction.atomic():
        count = Notification.objects.filter(recipient=acting_user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            audit.record(
                "notification.all_read",
                actor=acting_user,
                object_type="user",
                object_id=acting_user.pk,
                payload={"count": count},
            )
    return count


# --- phone verification ----------------------------------------------------------------------

CODE_TTL = timedelta(minutes=10)
MAX_CODE_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
MAX_CODES_PER_HOUR = 5


def _code_hash(verification_phone: str, code: str) -> str:
    key = hashlib.sha256(b"urikake-phone-code:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{verification_phone}:{code}".encode(), hashlib.sha256).hexdigest()


def phone_verified(organization: Organization) -> bool:
    """True when the organisation's current mobile number was confirmed by an SMS code."""
    return (
        bool(organization.contact_phone)
        and PhoneVerification.objects.filter(
            organization=organization, phone=organization.contact_phone, verified_at__isnull=False
        ).exists()
    )


def send_phone_code(
    organization: Organization, phone_e164: str, *, acting_user: User, now: datetime | None = None
) -> PhoneVerification:
    """Store ``phone_e164`` as the organisation's mobile number (owners only) and send it a
    6-digit code by SMS, valid :data:`CODE_TTL`. At most one code a minute and
    :data:`MAX_CODES_PER_HOUR` an hour per organisation."""
    now = now or timezone.now()
    with transaction.atomic():
        Organization.objects.select_for_update().get(pk=organization.pk)
        recent = PhoneVerification.objects.filter(
            organization=organization, created_at__gt=now - timedelta(hours=1)
        )
        if recent.filter(created_at__gt=now - RESEND_AFTER).exists():
            raise DomainError(
                "phone.code_too_soon",
                "確認コードを送ったばかりです。1分ほど待ってからもう一度お試しください。",
            )
        if recent.count() >= MAX_CODES_PER_HOUR:
            raise DomainError(
                "phone.code_limit",
                "確認コードの送信回数が上限に達しました。1時間ほど待ってからお試しください。",
            )
        if organization.contact_phone != phone_e164:
            applicants.set_contact_phone(organization, phone_e164, acting_user=acting_user)
        elif not applicants.is_owner(acting_user, organization):
            raise DomainError("membership.owner_required", "この操作はオーナーのみ行えます")
        code = f"{secrets.randbelow(10**6):06d}"
        verification = PhoneVerification.objects.create(
            organization=organization,
            phone=phone_e164,
            code_hash=_code_hash(phone_e164, code),
            requested_by=acting_user,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        audit.record(
            "phone.code_sent",
            actor=acting_user,
            obj=verification,
            payload={"expires_in_minutes": int(CODE_TTL.total_seconds() // 60)},
        )
        minutes = int(CODE_TTL.total_seconds() // 60)
        with translation.override(language_of(acting_user)):
            text = gettext(SMS_PREFIX) + gettext(
                "確認コード: %(code)s（%(minutes)s分間有効）。"
                "このコードを他人に教えないでください。"
            ) % {"code": code, "minutes": minutes}
        queue_sms("phone_code", str(verification), phone_e164, text)
    return verification


def confirm_phone_code(
    organization: Organization, code: str, *, acting_user: User, now: datetime | None = None
) -> PhoneVerification:
    """Check a code against the newest open verification of the organisation's number. A wrong
    code counts an attempt (recorded even though the call fails); after
    :data:`MAX_CODE_ATTEMPTS` the code is dead and a new one must be sent."""
    now = now or timezone.now()
    code = code.strip()
    error: DomainError | None = None
    with transaction.atomic():
        if not applicants.is_owner(acting_user, organization):
            raise DomainError("membership.owner_required", "この操作はオーナーのみ行えます")
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(
                organization=organization,
                phone=organization.contact_phone,
                verified_at__isnull=True,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if verification is None or verification.expires_at <= now:
            raise DomainError(
                "phone.code_expired",
                "確認コードの有効期限が切れています。もう一度コードを送信してください。",
                field="code",
            )
        if verification.attempts >= MAX_CODE_ATTEMPTS:
            raise DomainError(
                "phone.code_attempts",
                "確認コードの入力回数が上限に達しました。もう一度コードを送信してください。",
                field="code",
            )
        verification.attempts += 1
        good = (
            len(code) == 6
            and code.isascii()
            and code.isdigit()
            and hmac.compare_digest(_code_hash(verification.phone, code), verification.code_hash)
        )
        if good:
            verification.verified_at = now
            verification.save(update_fields=["attempts", "verified_at"])
            audit.record(
                "phone.verified",
                actor=acting_user,
                obj=verification,
                payload={"attempts": verification.attempts},
            )
        else:
            verification.save(update_fields=["attempts"])
            audit.record(
                "phone.code_rejected",
                actor=acting_user,
                obj=verification,
                payload={"attempts": verification.attempts},
            )
            left = MAX_CODE_ATTEMPTS - verification.attempts
            error = DomainError(
                "phone.code_wrong",
                f"確認コードが正しくありません（あと{left}回入力できます）。"
                if left
                else "確認コードが正しくありません。もう一度コードを送信してください。",
                field="code",
                params={"left": left},
            )
    if error is not None:
        raise error  # after commit: the attempt stays counted
    return verification
