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
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from urikake.mail.models import MailStatus, OutboundMail
from urikake.mail.tasks import enqueue

# A queued mail with no retry time that is older than this was never picked up.
STRANDED_AFTER = timedelta(minutes=10)


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


def retry_due(*, now: datetime | None = None) -> int:
    """Deliver again every queued mail whose retry time has come, and any queued mail that
    was never picked up (its enqueue failed, or a worker died while sending) after
    :data:`STRANDED_AFTER` (``urikake mail --retry``; safe to run from cron)."""
    now = now or timezone.now()
    due = list(
        OutboundMail.objects.filter(status=MailStatus.QUEUED)
        .filter(
            Q(next_attempt_at__lte=now)
            | Q(next_attempt_at__isnull=True, created_at__lte=now - STRANDED_AFTER)
        )
        .values_list("pk", flat=True)
    )
    for pk in due:
        enqueue(pk)
    return len(due)
