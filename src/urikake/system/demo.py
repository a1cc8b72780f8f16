"""Demo data for development and trials: created idempotently by ``urikake demo``.

Demo logins are printed by ``make run`` and listed in the README. They never exist in
production: the command refuses to run there.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from urikake.audit import services as audit


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_LOGINS = (
    DemoLogin(
        role="管理者 (admin)",
        email="admin@demo.urikake.example",
        password="urikake-demo-admin-2026",  # noqa: S106 — published demo login, dev only
    ),
)


def load_demo_data() -> list[str]:
    """Create whatever demo data is missing; return what was created (empty when all there)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is never loaded in production")
    created: list[str] = []
    user_model = get_user_model()
    with transaction.atomic():
        for login in DEMO_LOGINS:
            if user_model.objects.filter(email=login.email).exists():
                continue
            user = user_model.objects.create_superuser(email=login.email, password=login.password)
            audit.record(
                "demo.user_created",
                actor="system:demo",
                obj=user,
                payload={"role": login.role},
            )
            created.append(login.email)
    return created
