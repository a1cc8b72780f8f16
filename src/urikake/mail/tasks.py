"""The background delivery of outgoing mail (queued by :mod:`urikake.mail.services`).

Failures are recorded on the row and retried with a growing delay, never raised: the worker
does not need to know about SMTP, and nothing upstream ever sees a mail error.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone
from django_tasks import task

from urikake.domain.connections import operation_of
from urikake.integrations import connection_names
from urikake.integrations.http import (
    ConnectionNotApproved,
    OutboundCall,
    Permit,
    credential_fingerprint,
    current_gate,
    is_probing,
)
from urikake.mail.models import MailStatus, OutboundMail

logger = logging.getLogger(__name__)

ERROR_MAX = 500


@task()
def deliver(mail_id: int) -> str:
    """Send one stored mail (see :func:`deliver_now`)."""
    return deliver_now(mail_id)


def enqueue(mail_id: int, *, run_after: datetime | None = None) -> None:
    task = deliver.using(backend=settings.MAIL_TASK_BACKEND)
    if run_after is not None:
        task = task.using(run_after=run_after)
    task.enqueue(mail_id)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, … minutes after the n-th failure, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 6 * 60))


def deliver_now(mail_id: int) -> str:
    """Send one queued mail: ``sent``, ``retry`` (failure recorded, tried again later),
    ``failed`` (out of attempts) or ``skipped`` (not queued)."""
    mail = OutboundMail.objects.filter(pk=mail_id, status=MailStatus.QUEUED).first()
    if mail is None:
        return "skipped"
    message = EmailMultiAlternatives(mail.subject, mail.body, mail.from_email, list(mail.to))
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    now = timezone.now()
    try:
        permit = smtp_permit()  # 接続許可: the SMTP relay is an external connection too
    except ConnectionNotApproved as exc:  # recorded and audited by the gate; retried later
        return _record_failure(mail, exc, now)
    started = time.monotonic()
    try:
        message.send()
    except Exception as exc:  # any transport failure is recorded and retried, never raised
        if permit is not None:
            permit.finish(
                outcome="unreachable",
                status=None,
                latency_ms=int((time.monotonic() - started) * 1000),
                skew_seconds=None,
            )
        return _record_failure(mail, exc, now)
    if permit is not None:
        permit.finish(
            outcome="ok",
            status=None,
            latency_ms=int((time.monotonic() - started) * 1000),
            skew_seconds=None,
        )
    mail.status = MailStatus.SENT
    mail.sent_at = now
    mail.attempts += 1
    mail.body = ""
    mail.html = ""
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "sent_at", "attempts", "body", "html", "next_attempt_at"])
    return "sent"


def smtp_permit() -> Permit | None:
    """The gate's permit for one SMTP delivery, or None when mail does not leave the host
    (the file, console and in-memory backends of development and tests)."""
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return None
    call = OutboundCall(
        connection=connection_names.SMTP,
        method="SMTP",
        scheme="smtps" if settings.EMAIL_USE_SSL or settings.EMAIL_USE_TLS else "smtp",
        host=settings.EMAIL_HOST,
        port=settings.EMAIL_PORT,
        operation=operation_of("SMTP", "/send"),
        credential_fingerprint=credential_fingerprint(
            f"{settings.EMAIL_HOST_USER}:{settings.EMAIL_HOST_PASSWORD}"
            if settings.EMAIL_HOST_USER
            else ""
        ),
        probe=is_probing(),
    )
    return current_gate().admit(call)


def _record_failure(mail: OutboundMail, exc: Exception, now: datetime) -> str:
    mail.attempts += 1
    mail.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
    if mail.attempts >= settings.MAIL_MAX_ATTEMPTS:
        mail.status = MailStatus.FAILED
        mail.next_attempt_at = None
        outcome = "failed"
    else:
        mail.next_attempt_at = now + retry_delay(mail.attempts)
        outcome = "retry"
    mail.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning(
        "mail %s not delivered (attempt %s): %s", mail.pk, mail.attempts, mail.last_error
    )
    if outcome == "retry":
        _schedule(mail)
    return outcome


def _schedule(mail: OutboundMail) -> None:
    """Ask the queue to try again later, where the queue can wait; else retry_due() will."""
    backend = deliver.using(backend=settings.MAIL_TASK_BACKEND).get_backend()
    if backend.supports_defer:
        enqueue(mail.pk, run_after=mail.next_attempt_at)
