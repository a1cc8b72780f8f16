"""The public site's one state change: a visitor's message to the operator."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from urikake.accounts.auth_events import ip_digest
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.mail import services as mail
from urikake.web.public import contact_recipient, operator


@dataclass(frozen=True)
class ContactMessage:
    name: str
    company: str
    email: str
    topic: str
    topic_label: str
    message: str


def send_contact(message: ContactMessage, *, acting_user: Actor, ip: str | None) -> None:
    """Mail the operator the visitor's message (reply-to the visitor's address), audited.

    The mail goes through the one mail sender (stored, delivered after commit, retried), so
    an unreachable mail server never loses the message nor fails the visitor's request."""
    with transaction.atomic():
        sent = mail.send(
            contact_recipient(),
            "web/mail/contact",
            {"m": message, "ip": ip or "", "operator": operator()},
            language="ja",
        )
        audit.record(
            "web.contact_received",
            actor=acting_user,
            object_type="mail.outboundmail",
            object_id=sent.pk if sent else "",
            payload={
                "topic": message.topic,
                "email": message.email,
                "ip_hmac": ip_digest(ip or ""),
            },
        )


def record_contact_refused(*, acting_user: Actor, ip: str | None, reason: str) -> None:
    """A refused message (too many from one address) leaves a trace like every refusal."""
    audit.record(
        "web.contact_refused",
        actor=acting_user,
        payload={"reason": reason, "ip_hmac": ip_digest(ip or "")},
    )
