"""Seed a load-test database and write the plan the locust users read (bench_load.py).

Runs in the *development* configuration against the load-test database (the demo refuses to
run in production): the demo organisations, logins and open items, an authenticator (TOTP)
for the staff whose pages are loaded (staff without MFA are sent to the MFA page), and
signed-in sessions, so that the measured traffic is the traffic of signed-in people, not of
Argon2 password checks and TOTP codes. SECRET_KEY must be the one the production processes
use (session hashes are keyed by it).

Applicants: ``applicants`` organisations (bench_load.py passes ``URIKAKE_LOAD_APPLICANTS``,
default 50, 3 with BENCH_SMOKE=1) — the demo applicant first, then companies onboarded the
same way through the same services (``urikake.system.demo``: consent to the terms in force,
company profile, mobile number, payout account, notification settings) with a verified eKYC
check (recorded directly, as the other demo clients' are) and three debtors of their own,
taken from a pool in which each debtor company buys from about four applicants. One
signed-in session each. The owners share one password hash, made once (the production
hasher, Argon2, took 0.5 s a hash on the shared machine).

The plan (JSON): ``applicants`` — per organisation, its session and its debtors' ids;
``sessions`` — per role, the signed-in sessions (``sessions["applicant"]`` is the
applicants' sessions in the same order: the demo applicant first, the one
bench_route_queries.py, bench_route_cpu.py, bench_write_queries.py and render_pages.py load);
``debtors`` — the demo applicant's debtors (those scripts register invoices against them);
``applications`` — the latest 50 applications of the demo (several organisations') for the
reviewer's application detail; ``files`` — the sample statement files.

Usage: python benchmarks/load/seed.py <plan.json> <files-dir> <sessions-per-role> [applicants]
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django

django.setup()

from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from urikake.accounts.models import User  # noqa: E402
from urikake.applicants import services as applicants  # noqa: E402
from urikake.applicants.models import Membership, Organization  # noqa: E402
from urikake.domain.identifiers import corporate_number_check_digit  # noqa: E402
from urikake.kyc import services as kyc  # noqa: E402
from urikake.kyc.models import KycCheck  # noqa: E402
from urikake.receivables import services as receivables  # noqa: E402
from urikake.receivables.models import Debtor, FinancingApplication  # noqa: E402
from urikake.system import sample_files  # noqa: E402
from urikake.system.demo import PASSWORD, finish_onboarding, load_demo_data  # noqa: E402
from urikake.system.demo_company import create_demo_company  # noqa: E402
from urikake.system.demo_scale import DEBTOR_TRADES, PLACE_KANA, PLACES, TRADES  # noqa: E402
from urikake.system.demo_treasury import CLIENT_EMAIL  # noqa: E402

APPLICANT = "applicant@demo.urikake.example"
ROLES = {
    "client": CLIENT_EMAIL,
    "reviewer": "reviewer@demo.urikake.example",
    "treasury": "treasury@demo.urikake.example",
}
LOAD_EMAIL = "load-{:05d}@demo.urikake.example"
DEBTORS_EACH = 3
APPLICANTS_PER_DEBTOR = 4  # how many applicants sell to the same debtor company

# (name, kana) parts of the fictitious companies: the demo's at scale, the shorter places and
# trades only (so that the names stay as the load seed has always made them)
_PLACES = tuple(
    (place, PLACE_KANA[place])
    for place in PLACES
    if place not in {"こだま", "ゆうき", "たいよう", "しらかば", "すばる", "やまと"}
)
_TRADES = TRADES[:6]
_DEBTOR_TRADES = tuple(trade for trade in DEBTOR_TRADES if trade[0] != "ホールディングス")
_CITIES = (
    "東京都港区芝公園1-2-3",
    "大阪府大阪市北区梅田2-3-4",
    "愛知県名古屋市中区栄3-4-5",
    "福岡県福岡市博多区博多駅前4-5-6",
    "北海道札幌市中央区北一条西5-6-7",
)


def _corporate_number(registry: str, serial: int) -> str:
    """A well-formed 法人番号 of a registry code that does not exist (never a real company)."""
    base = f"{registry}{serial:08d}"
    return f"{corporate_number_check_digit(base)}{base}"


def _name(
    parts: tuple[tuple[str, str], ...], trades: tuple[tuple[str, ...], ...], i: int
) -> tuple[str, str, tuple[str, ...]]:
    """The i-th company name and its kana (without the legal form), unique for any i."""
    place, place_kana = parts[i % len(parts)]
    trade = trades[(i // len(parts)) % len(trades)]
    round_ = i // (len(parts) * len(trades))
    suffix = f"第{round_ + 1}" if round_ else ""
    suffix_kana = f"ダイ{round_ + 1}" if round_ else ""
    return f"{place}{trade[0]}{suffix}", f"{place_kana}{trade[1]}{suffix_kana}", trade


def _sessions(user: User, n: int) -> list[str]:
    if user.is_staff and not Authenticator.objects.filter(user=user).exists():
        TOTP.activate(user, generate_totp_secret())
    keys = []
    for _ in range(n):
        client = Client()
        client.force_login(user)
        keys.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    return keys


def _verified_kyc(org: Organization, user: User) -> None:
    """The eKYC vendor's answer: verified (the demo applicant stops before eKYC — the demo
    shows that step; the load test submits applications, which needs a verified identity)."""
    if KycCheck.objects.filter(organization=org, status="verified").exists():
        return
    kyc.record_verified_check(org, requested_by=user, acting_user="system:bench")


def _debtor_pool(n: int) -> list[tuple[str, str, str, str]]:
    """(name, kana, 法人番号, address) of the debtor companies the applicants sell to."""
    size = max(DEBTORS_EACH, -(-n * DEBTORS_EACH // APPLICANTS_PER_DEBTOR))
    pool = []
    for j in range(size):
        name, kana, _ = _name(_PLACES, _DEBTOR_TRADES, j)
        pool.append(
            (
                f"株式会社{name}",
                f"カブシキガイシャ{kana}",
                _corporate_number("9997", j),
                _CITIES[j % len(_CITIES)],
            )
        )
    return pool


def _load_applicant(k: int, password_hash: str, pool: list[tuple[str, str, str, str]]) -> User:
    """The k-th load applicant (k ≥ 1), onboarded as the demo applicant is, with its debtors."""
    email = LOAD_EMAIL.format(k)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        return existing
    name, kana, (_, _, industry) = _name(_PLACES, _TRADES, k)
    user, org = create_demo_company(
        email,
        PASSWORD,
        applicants.ProfileData(
            kind="corporation",
            name=f"株式会社{name}",
            name_kana=kana,
            corporate_number=_corporate_number("9996", k),
            representative_name=f"代表 {k:05d}",
            address=_CITIES[k % len(_CITIES)],
            industry=industry,
            established_year=1990 + k % 30,
            established_month=1 + k % 12,
        ),
        password_hash=password_hash,
    )
    finish_onboarding(
        org,
        user,
        phone=f"+8190{k:08d}",
        account_number=f"{k:07d}",
        holder_name=f"カブシキガイシャ{kana}",
    )
    _verified_kyc(org, user)
    for j in range(DEBTORS_EACH):
        debtor_name, debtor_kana, number, address = pool[(k * DEBTORS_EACH + j) % len(pool)]
        receivables.register_debtor(
            org,
            acting_user=user,
            name=debtor_name,
            name_kana=debtor_kana,
            corporate_number=number,
            address=address,
        )
    return user


def _applicants(n: int) -> list[dict[str, object]]:
    """The plan's applicants: the demo applicant and n − 1 more, each a session and its
    debtors."""
    demo = User.objects.get(email=APPLICANT)
    demo_org = demo.memberships.get().organization
    _verified_kyc(demo_org, demo)
    users = [demo]
    started = time.monotonic()
    if n > 1:
        password_hash = make_password(PASSWORD)
        pool = _debtor_pool(n)
        with transaction.atomic():
            users += [_load_applicant(k, password_hash, pool) for k in range(1, n)]
    debtors: dict[int, list[int]] = {}
    for organization_id, pk in (
        Debtor.objects.filter(organization__memberships__user__in=users)
        .order_by("pk")
        .values_list("organization_id", "pk")
    ):
        debtors.setdefault(organization_id, []).append(pk)
    print(f"seed: {n - 1} applicants onboarded in {time.monotonic() - started:.1f} s")
    organisation_of = dict(
        Membership.objects.filter(user__in=users).values_list("user_id", "organization_id")
    )
    with transaction.atomic():  # one commit for all the sessions
        return [
            {"session": _sessions(user, 1)[0], "debtors": debtors[organisation_of[user.pk]]}
            for user in users
        ]


def main(plan_path: Path, files: Path, per_role: int, applicant_count: int) -> None:
    started = time.monotonic()
    load_demo_data()
    demo_seconds = time.monotonic() - started
    files.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    for name in ("statement.csv", "collection-statement.txt"):
        (files / name).write_bytes(sample_files.build(name, today))
    applicants_started = time.monotonic()
    applicants_plan = _applicants(max(1, applicant_count))
    applicants_seconds = time.monotonic() - applicants_started
    users = {role: User.objects.get(email=email) for role, email in ROLES.items()}
    plan = {
        "applicants": applicants_plan,
        "sessions": {
            "applicant": [a["session"] for a in applicants_plan],
            **{role: _sessions(user, per_role) for role, user in users.items()},
        },
        "debtors": applicants_plan[0]["debtors"],
        "applications": list(
            FinancingApplication.objects.order_by("-pk").values_list("pk", flat=True)[:50]
        ),
        "files": {
            "statement": str(files / "statement.csv"),
            "collection": str(files / "collection-statement.txt"),
        },
    }
    plan_path.write_text(json.dumps(plan))
    print(
        f"seed: demo data {demo_seconds:.1f} s, {len(applicants_plan)} applicants "
        f"{applicants_seconds:.1f} s, total {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main(
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]) if len(sys.argv) > 4 else 50,
    )
