"""Mail to a user at their primary address (new device, account locked), through urikake.mail."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings

from urikake.accounts.models import User
from urikake.accounts.services import language_of
from urikake.mail import services as mail


def send_user_mail(
    user: User, template_prefix: str, context: dict[str, Any], *, language: str | None = None
) -> bool:
    """Mail ``user`` (subject and body from ``<prefix>_subject.txt`` / ``_body.txt``), in
    ``language`` (by default the one they read the site in); delivered after commit. False
    if they have no address."""
    email = EmailAddress.objects.get_primary_email(user)
    if not email:
        return False
    mail.send(
        email,
        template_prefix,
        {"site_url": settings.SITE_URL.rstrip("/"), **context},
        language=language or language_of(user),
        subject_prefix=getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", ""),
    )
    return True
