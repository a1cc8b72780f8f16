"""The one mail sender: every mail of the platform goes through :func:`send`.

A mail is rendered at once (in the caller's language and transaction) and stored as an
:class:`~urikake.mail.models.OutboundMail`; a background task delivers it after commit. So:

* a rolled-back action mails nothing;
* an unreachable mail server never fails the user's action (a login, a sign-up, a payout):
  the delivery fails in the worker, is recorded on the row and retried with a growing delay
  (``MAIL_MAX_ATTEMPTS`` attempts in all), then marked failed;
* tests run the delivery inline (``MAIL_TASK_BACKEND = "immediate"``), so what they read from
  the local SMTP server or ``mail.outbox`` arrives as soon as the action commits.

Templates are ``<template>_subject.txt`` (whitespace folded into one line) and
``<template>_body.txt``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from urikake.mail.models import MailStatus, OutboundMail

logger = logging.getLogger(__name__)

ERROR_MAX = 500


def render(
    template: str, context: Mapping[str, Any], *, language: str | None = None
) -> tuple[str, str]:
    """(subject, body) from ``<template>_subject.txt`` and ``<template>_body.txt``."""
    with translation.override(language or translation.get_language()):
        subject = " ".join(render_to_string(f"{template}_subject.txt", dict(context)).split())
        body = render_to_string(f"{template}_body.txt", dict(context))
    return subject, body


def send(
    to: str | Iterable[str],
    template: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    subject_prefix: str = "",
) -> OutboundMail | None:
    """Render ``template`` now and deliver it after commit; None if there is nobody to mail."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return None
    subject, body = render(template, context, language=language)
    return queue(recipients, subject_prefix + subject, body, template=template)


def send_message(message: EmailMessage, *, template: str = "") -> OutboundMail | None:
    """Deliver an already rendered message (allauth's mails) the same way as :func:`send`."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []):
        if mimetype == "text/html":
            html = str(content)
    return queue(
        list(message.to),
        str(message.subject),
        str(message.body),
        template=template,
        from_email=message.from_email,
        html=html,
    )


def queue(
    to: list[str],
    subject: str,
    body: str,
    *,
    template: str = "",
    from_email: str | None = None,
    html: str = "",
) -> OutboundMail | None:
    """Store a rendered mail and enqueue its delivery for after the current transaction."""
    if not to:
        return None
    mail = OutboundMail.objects.create(
        template=template[:200],
        to=to,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        body=body,
        html=html,
    )
    # robust: a queue that cannot be reached is logged; the action has succeeded regardless
    # and the row stays queued for retry_due().
    transaction.on_commit(functools.partial(enqueue, mail.pk), robust=True)
    return mail


def enqueue(mail_id: int, *, run_after: datetime | None = None) -> None:
    from urikake.mail.tasks import deliver

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
        message.send()
    except Exception as exc:  # any transport failure is recorded and retried, never raised
        return _record_failure(mail, exc, now)
    mail.status = MailStatus.SENT
    mail.sent_at = now
    mail.attempts += 1
    mail.body = ""
    mail.html = ""
    mail.next_attempt_at = None
    mail.save(update_fields=["status", "sent_at", "attempts", "body", "html", "next_attempt_at"])
    return "sent"


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
    from urikake.mail.tasks import deliver

    backend = deliver.using(backend=settings.MAIL_TASK_BACKEND).get_backend()
    if backend.supports_defer:
        enqueue(mail.pk, run_after=mail.next_attempt_at)


def retry_due(*, now: datetime | None = None) -> int:
    """Deliver again every queued mail whose retry time has come (``urikake mail --retry``)."""
    now = now or timezone.now()
    due = list(
        OutboundMail.objects.filter(status=MailStatus.QUEUED, next_attempt_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    for pk in due:
        enqueue(pk)
    return len(due)
