"""The background delivery of outgoing mail (enqueued by :mod:`urikake.mail.services`)."""

from __future__ import annotations

from django_tasks import task

from urikake.mail.services import deliver_now


@task()
def deliver(mail_id: int) -> str:
    """Send one stored mail; failures are recorded on the row and retried, never raised."""
    return deliver_now(mail_id)
