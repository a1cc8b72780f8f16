"""Settings from the environment, production refusal, the `urikake` command, demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from urikake import settings as production_settings
from urikake.applicants.services import current_payout_account
from urikake.audit.models import AuditRecord
from urikake.system.demo import DEMO_LOGINS

PROBE = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
STRONG_SECRET = "s" * 60


def run_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "AUDIT_SIGNING_KEY",
            "FIELD_ENCRYPTION_KEYS",
            "EKYC_API_KEY",
            "EKYC_WEBHOOK_SECRET",
            "SMS_GATEWAY_TOKEN",
        }
    }
    clean.update(
        {"DJANGO_SETTINGS_MODULE": "urikake.settings", "URIKAKE_VAR_DIR": str(tmp_path)}, **env
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=False
    )


PRODUCTION_OK = {
    "URIKAKE_ENV": "production",
    "SECRET_KEY": STRONG_SECRET,
    "DATABASE_URL": "postgres://u@db.example/urikake",
    "ALLOWED_HOSTS": "urikake.example",
    "AUDIT_SIGNING_KEY": "/etc/urikake/audit.pem",
    "FIELD_ENCRYPTION_KEYS": "k" * 43 + "=",
    "EKYC_API_KEY": "prod-key",
    "EKYC_WEBHOOK_SECRET": "prod-secret",
    "SMS_GATEWAY_TOKEN": "prod-sms-token",
    "URIKAKE_ZENGIN_REQUESTER_CODE": "1234567890",
    "URIKAKE_ZENGIN_REQUESTER_NAME": "ｶ)ｳﾘｶｹ",
    "URIKAKE_ZENGIN_BANK_CODE": "0001",
    "URIKAKE_ZENGIN_BRANCH_CODE": "001",
    "URIKAKE_ZENGIN_ACCOUNT_NUMBER": "1234567",
    "CONTRACT_SIGNING_KEY_FILE": "/etc/urikake/contract-key.pem",
    "CONTRACT_SIGNING_CERT_FILE": "/etc/urikake/contract-cert.pem",
    "CONTRACT_ASSIGNEE_NAME": "株式会社ウリカケ",
    "CONTRACT_ASSIGNEE_ADDRESS": "東京都千代田区大手町1-1-1",
    "CONTRACT_ASSIGNEE_CORPORATE_NUMBER": "4010001234567",
    "ANTISOCIAL_SCREENING_URL": "https://screening.vendor.example",
    "ANTISOCIAL_SCREENING_TOKEN": "prod-antisocial",
    "CREDIT_BUREAU_URL": "https://bureau.example",
    "CREDIT_BUREAU_TOKEN": "prod-bureau",
}


def test_production_starts_when_configured(tmp_path: Path) -> None:
    proc = run_settings(tmp_path, **PRODUCTION_OK)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG is on"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 50}, "SECRET_KEY"),
        ({"DATABASE_URL": "sqlite:///tmp/x.sqlite3"}, "SQLite"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"AUDIT_SIGNING_KEY": ""}, "AUDIT_SIGNING_KEY"),
        ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
        ({"EKYC_WEBHOOK_SECRET": ""}, "EKYC_WEBHOOK_SECRET"),
        ({"SMS_GATEWAY_TOKEN": ""}, "SMS_GATEWAY_TOKEN"),
        ({"URIKAKE_ZENGIN_BANK_CODE": ""}, "URIKAKE_ZENGIN_"),
        ({"URIKAKE_ZENGIN_ACCOUNT_NUMBER": ""}, "URIKAKE_ZENGIN_ACCOUNT_NUMBER"),
        ({"CONTRACT_SIGNING_CERT_FILE": ""}, "CONTRACT_SIGNING_KEY_FILE"),
        ({"CONTRACT_ASSIGNEE_CORPORATE_NUMBER": ""}, "CONTRACT_ASSIGNEE_NAME"),
        ({"CREDIT_BUREAU_TOKEN": ""}, "CREDIT_BUREAU_TOKEN"),
        ({"ANTISOCIAL_SCREENING_URL": "http://127.0.0.1:8768"}, "ANTISOCIAL_SCREENING_URL"),
        ({"SCREENING_VENDOR_CHECKS": "0"}, "SCREENING_VENDOR_CHECKS=0"),
    ],
)
def test_production_refuses_unsafe_settings(
    tmp_path: Path, override: dict[str, str], message: str
) -> None:
    proc = run_settings(tmp_path, **{**PRODUCTION_OK, **override})
    assert proc.returncode != 0
    assert "URIKAKE_ENV=production refuses to start" in proc.stderr
    assert message in proc.stderr


def test_development_generates_its_secret_once(tmp_path: Path) -> None:
    first = run_settings(tmp_path)
    assert first.returncode == 0, first.stderr
    secret = (tmp_path / "secret_key").read_text()
    assert len(secret) >= 50
    run_settings(tmp_path)
    assert (tmp_path / "secret_key").read_text() == secret
    assert (tmp_path / "urikake.sqlite3").parent.exists()


def test_settings_defaults(settings) -> None:
    assert settings.LANGUAGE_CODE == "ja"
    assert ("en", "English") in [(c, str(n)) for c, n in settings.LANGUAGES]
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert settings.USE_TZ is True
    # Production's list, not the test run's (tests/conftest.py puts a cheap Argon2 first).
    assert (
        production_settings.PASSWORD_HASHERS[0]
        == "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    assert settings.PASSWORD_HASHERS[-2:] == production_settings.PASSWORD_HASHERS


def test_production_hasher_is_argon2id_at_full_cost() -> None:
    """The hasher production uses (not the test run's cheap one) makes Argon2id hashes at
    Django's cost, and they verify."""
    from django.contrib.auth.hashers import Argon2PasswordHasher, import_string

    hasher = import_string(production_settings.PASSWORD_HASHERS[0])()
    assert type(hasher) is Argon2PasswordHasher
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=102400,t=2,p=8$"), encoded
    assert hasher.verify("correct horse battery staple", encoded)
    assert not hasher.verify("wrong horse battery staple", encoded)


def test_urikake_command_lists_our_commands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "urikake", "help"], capture_output=True, text=True, check=True
    )
    for name in ("audit", "worker", "demo", "migrate", "runserver", "createsuperuser"):
        assert name in proc.stdout


# Libraries needed only to make a PDF, seal one, read one, or analyse a pool: they load with
# that work, not with the apps (every `urikake` command loads them first) nor with the
# services and views that call them. (web.documents still brings reportlab with the URLs.)
# numpy is not in the list: the 全銀 parsers and writer (domain.zengin_statements,
# domain.zengin_columnar) work column by column in numpy and load with treasury (~0.1 s).
HEAVY_ON_DEMAND = ("pyhanko", "aiohttp", "reportlab", "pypdf", "openpyxl", "scipy")
STARTUP_PROBE = (
    "import sys, django; django.setup(); "
    "import urikake.contracts.services, urikake.lending.services, urikake.guarantees.services, "
    "urikake.bulk.services, urikake.securitization.backoffice_views, "
    "urikake.receivables.application_views; "
    "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
)


def test_heavy_libraries_load_on_demand(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "urikake.settings"}
    env["URIKAKE_VAR_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE], env=env, capture_output=True, text=True, check=True
    )
    loaded = set(proc.stdout.split())
    assert {"urikake", "django"} <= loaded
    assert loaded.isdisjoint(HEAVY_ON_DEMAND), sorted(loaded & set(HEAVY_ON_DEMAND))


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_audited(django_user_model) -> None:
    call_command("demo")
    call_command("demo")
    assert django_user_model.objects.filter(email="admin@demo.urikake.example").count() == 1
    assert AuditRecord.objects.filter(action="demo.user_created").count() == len(DEMO_LOGINS)
    applicant = django_user_model.objects.get(email="applicant@demo.urikake.example")
    org = applicant.memberships.get().organization
    assert org.corporate_number == "1180301018771"
    assert current_payout_account(org) is not None
    staff = django_user_model.objects.get(email="reviewer@demo.urikake.example")
    assert staff.is_staff
    assert staff.staff_role == "reviewer"


def test_production_hardens_cookies_and_transport(tmp_path: Path) -> None:
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SESSION_COOKIE_NAME, s.SECURE_SSL_REDIRECT)"
    )
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_OK and k != "DEBUG"}
    env.update(
        PRODUCTION_OK, DJANGO_SETTINGS_MODULE="urikake.settings", URIKAKE_VAR_DIR=str(tmp_path)
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "True", "31536000", "__Host-urikake_session", "True"]


@pytest.mark.django_db
def test_demo_treasury_client_has_deals_at_each_stage(tmp_path: Path, settings) -> None:
    from urikake.ledger import services as ledger
    from urikake.receivables.models import FinancingApplication
    from urikake.system.demo_treasury import CLIENT_EMAIL
    from urikake.treasury import collections
    from urikake.treasury.models import Deposit, PayoutBatch

    settings.VAR_DIR = tmp_path
    call_command("demo")
    deals = FinancingApplication.objects.filter(
        organization__memberships__user__email=CLIENT_EMAIL
    ).order_by("pk")
    assert [d.status for d in deals] == ["accepted", "contracted", "funded"]
    # The treasury demo's batch, and the newer products' (early payment, loan): all sent.
    assert set(PayoutBatch.objects.values_list("status", flat=True)) == {"sent"}
    # The statement left for the operator reconciles the funded deal automatically.
    content = (tmp_path / "demo" / "collection-statement.txt").read_bytes()
    collections.import_collection_statement(content, filename="demo.txt", acting_user="system:test")
    assert collections.run_reconciliation().auto == 1
    assert Deposit.objects.get().status == "auto"
    assert ledger.trial_balance().balanced


def test_development_settings_give_the_operator_a_valid_corporate_number() -> None:
    """What `make run` and the demo use: the operator's 法人番号 is not shown as missing."""
    from django.conf import settings

    from urikake.domain.identifiers import is_valid_corporate_number

    assert not settings.PRODUCTION
    assert is_valid_corporate_number(settings.CONTRACT_ASSIGNEE_CORPORATE_NUMBER)
    assert settings.CONTRACT_ASSIGNEE_REPRESENTATIVE
    assert settings.CONTRACT_ASSIGNEE_ADDRESS


def test_migrate_alone_brings_a_database_to_a_working_state(tmp_path: Path) -> None:
    # A fresh SQLite database made with `urikake migrate` only: the login page (which uses the
    # database cache for its rate limits) must answer, not 500 for a missing cache table.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["URIKAKE_VAR_DIR"] = str(tmp_path)
    urikake = str(Path(sys.executable).with_name("urikake"))
    migrate = subprocess.run(
        [urikake, "migrate", "-v0"], env=env, capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    login = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().post('/accounts/login/', {'login': 'a@example.jp', 'password': 'x'}); "
        "print(r.status_code)"
    )
    probe = subprocess.run(
        [sys.executable, "-c", login],
        env={**env, "DJANGO_SETTINGS_MODULE": "urikake.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip().splitlines()[-1] in {"200", "403"}, probe.stdout
