"""The background delivery of SMS (queued by :func:`urikake.notifications.services.queue_sms`).

Like mail: failures are recorded on the row and retried with a growing delay, never raised;
a message the gateway refuses for good (a bad number) is marked failed at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from urikake.integrations.sms.adapter import SmsError, gateway_from_settings
from urikake.notifications.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

ERROR_MAX = 500


@task()
def deliver_sms(delivery_id: int) -> str:
    return deliver_sms_now(delivery_id)


def enqueue_sms(delivery_id: int, *, run_after: datetime | None = None) -> None:
    t = deliver_sms.using(backend=settings.SMS_TASK_BACKEND)
    if run_after is not None:
        t = t.using(run_after=run_after)
    t.enqueue(delivery_id)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the n-th failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 6 * 60))


def deliver_sms_now(delivery_id: int) -> str:
    """``sent``, ``retry``, ``failed`` or ``skipped`` (not a queued SMS)."""
    d = Delivery.objects.filter(pk=delivery_id, channel="sms", status=DeliveryStatus.QUEUED).first()
    if d is None:
        return "skipped"
    now = timezone.now()
    try:
        sent = gateway_from_settings().send(
            to=d.address, body=d.body, reference=f"urikake-sms-{d.pk}"
        )
    except SmsError as exc:
        return _record_failure(d, exc, now)
    d.status = DeliveryStatus.SENT
    d.sent_at = now
    d.attempts += 1
    d.provider_id = sent.message_id[:100]
    d.body = ""  # a verification code must not outlive its delivery
    d.next_attempt_at = None
    d.save(
        update_fields=["status", "sent_at", "attempts", "provider_id", "body", "next_attempt_at"]
    )
    return "sent"


def _record_failure(d: Delivery, exc: SmsError, now: datetime) -> str:
    d.attempts += 1
    d.last_error = str(exc)[:ERROR_MAX]
    if not exc.retryable or d.attempts >= settings.SMS_MAX_ATTEMPTS:
        d.status = DeliveryStatus.FAILED
        d.next_attempt_at = None
        d.body = ""
        outcome = "failed"
    else:
        d.next_attempt_at = now + retry_delay(d.attempts)
        outcome = "retry"
    d.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "body"])
    logger.warning("sms %s not delivered (attempt %s): %s", d.pk, d.attempts, d.last_error)
    if outcome == "retry":
        backend = deliver_sms.using(backend=settings.SMS_TASK_BACKEND).get_backend()
        if backend.supports_defer:
            enqueue_sms(d.pk, run_after=d.next_attempt_at)
    return outcome
