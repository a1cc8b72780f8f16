"""Seed a load-test database and write the plan the locust users read (bench_load.py).

Runs in the *development* configuration against the load-test database (the demo refuses to
run in production): the demo organisations, logins and open items, an authenticator (TOTP)
for the staff whose pages are loaded (staff without MFA are sent to the MFA page), and
signed-in sessions, so that the measured traffic is the traffic of signed-in people, not of
Argon2 password checks and TOTP codes. SECRET_KEY must be the one the production processes
use (session hashes are keyed by it).

Usage: python benchmarks/load/seed.py <plan.json> <files-dir> <sessions-per-role>
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from urikake.accounts.models import User  # noqa: E402
from urikake.kyc.models import KycCheck  # noqa: E402
from urikake.receivables.models import Debtor, FinancingApplication  # noqa: E402
from urikake.system import sample_files  # noqa: E402
from urikake.system.demo import load_demo_data  # noqa: E402
from urikake.system.demo_treasury import CLIENT_EMAIL  # noqa: E402

APPLICANT = "applicant@demo.urikake.example"
ROLES = {
    "applicant": APPLICANT,
    "client": CLIENT_EMAIL,
    "reviewer": "reviewer@demo.urikake.example",
    "treasury": "treasury@demo.urikake.example",
}


def _sessions(user: User, n: int) -> list[str]:
    if user.is_staff and not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, generate_totp_secret())
    keys = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return keys


def main(plan_path: Path, files: Path, per_role: int) -> None:
    load_demo_data()
    files.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    for name in ("statement.csv", "collection-statement.txt"):
        (files / name).write_bytes(sample_files.build(name, today))
    users = {role: User.objects.get(email=email) for role, email in ROLES.items()}
    applicant_org = users["applicant"].memberships.get().organization
    # The demo applicant stops before eKYC (the demo shows that step); the load test submits
    # applications, which needs a verified identity: the vendor's answer is recorded here.
    now = timezone.now()
    if not KycCheck.objects.filter(organization=applicant_org, status="verified").exists():
        KycCheck.objects.create(
            organization=applicant_org,
            requested_by=users["applicant"],
            status="verified",
            submitted_at=now,
            decided_at=now,
            expires_at=now + timedelta(days=365),
        )
    plan = {
        "sessions": {role: _sessions(user, per_role) for role, user in users.items()},
        "debtors": list(
            Debtor.objects.filter(organization=applicant_org).values_list("pk", flat=True)
        ),
        "applications": list(
            FinancingApplication.objects.order_by("-pk").values_list("pk", flat=True)[:50]
        ),
        "files": {
            "statement": str(files / "statement.csv"),
            "collection": str(files / "collection-statement.txt"),
        },
    }
    plan_path.write_text(json.dumps(plan))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
