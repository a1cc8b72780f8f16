from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from urikake.applicants.models import NotificationSettings, Organization
from urikake.notifications.models import PhoneVerification

MOBILE = "+819012345678"


def verified_phone(org: Organization, phone: str = MOBILE) -> None:
    """The organisation's mobile number, confirmed (as the phone page would leave it)."""
    Organization.objects.filter(pk=org.pk).update(contact_phone=phone)
    org.contact_phone = phone
    now = timezone.now()
    PhoneVerification.objects.create(
        organization=org,
        phone=phone,
        code_hash="x" * 64,
        created_at=now,
        expires_at=now + timedelta(minutes=10),
        verified_at=now,
    )


def choose(org: Organization, **choices: bool) -> None:
    NotificationSettings.objects.update_or_create(organization=org, defaults=choices)
