"""Django settings for Urikake, read from the environment.

Two modes:

* development (the default, ``URIKAKE_ENV`` unset or ``development``): embedded SQLite under
  ``./var/``, a secret key generated once into ``./var/secret_key``, e-mail written as
  ``.eml`` files to ``./var/mail/``. Nothing to configure.
* production (``URIKAKE_ENV=production``): refuses to start with DEBUG on, without a real
  ``SECRET_KEY``, or on SQLite (see :func:`_check_production`).

Every variable is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from urikake.devsecrets import read_or_create
from urikake.domain.products import all_specs as _all_products

BASE_DIR = Path(__file__).resolve().parent
URIKAKE_ENV = os.environ.get("URIKAKE_ENV", "development").strip().lower()
PRODUCTION = URIKAKE_ENV == "production"
TESTING = "pytest" in sys.modules

# ./var holds everything the running system writes: the SQLite file, dev keys, mail, uploads.
# The test suite uses ./var/test so that it never touches a developer's data.
VAR_DIR = Path(
    os.environ.get("URIKAKE_VAR_DIR") or (Path.cwd() / "var" / ("test" if TESTING else ""))
).resolve()


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _dev_secret(filename: str, nbytes: int = 50) -> str:
    """A secret generated once into ./var/ for development (never used in production)."""
    secret = read_or_create(VAR_DIR / filename, lambda: secrets.token_urlsafe(nbytes).encode())
    return secret.decode().strip()


DEBUG = _env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = _dev_secret("secret_key")

ALLOWED_HOSTS = _env_list(
    "ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1],testserver"
)
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

# --- Applications --------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # Our bounded contexts (one Django app each). See docs/architecture.md.
    "urikake.accounts",
    "urikake.applicants",
    "urikake.kyc",
    "urikake.plans",
    "urikake.receivables",
    "urikake.ledger",
    "urikake.connections",
    "urikake.contracts",
    "urikake.treasury",
    "urikake.servicing",
    "urikake.securitization",
    "urikake.lending",
    "urikake.guarantees",
    "urikake.bulk",
    "urikake.scoring",
    "urikake.security",
    "urikake.backoffice",
    "urikake.audit",
    "urikake.idempotency",
    "urikake.mail",
    "urikake.notifications",
    "urikake.system",
    "urikake.web",
    # After our apps: Django uses the first template it finds, and ours override allauth's.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
]
if not PRODUCTION:
    # The local simulators of external connections; each brings its ``<name>_simulator``
    # command from its own management/commands (never installed in production).
    INSTALLED_APPS += [
        "urikake.integrations.ekyc",
        "urikake.integrations.bank",
        "urikake.integrations.tsa",
        "urikake.integrations.antisocial",
        "urikake.integrations.credit_bureau",
        "urikake.integrations.sms",
    ]

MIDDLEWARE = [
    # First: request id, the request's log line and latency metric cover everything below.
    "urikake.system.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The response headers of the page policy next, so that every answer carries them: also
    # the redirects that the timeout, staff-MFA and consent checks below send on their own.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-csp's, the site-wide policy's text made once (urikake.security.csp)
    "urikake.security.csp.CSPMiddleware",
    "urikake.security.middleware.PermissionsPolicyMiddleware",
    "urikake.api.ApiErrorShapeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "urikake.accounts.no_store.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's UserSessionsMiddleware, throttled (one write per session per 30 s, not per request)
    "urikake.accounts.middleware.UserSessionActivityMiddleware",
    "urikake.accounts.middleware.SessionTimeoutMiddleware",
    "urikake.accounts.middleware.StaffMFARequiredMiddleware",
    "urikake.applicants.middleware.TermsConsentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "urikake.urls"
WSGI_APPLICATION = "urikake.wsgi.application"
ASGI_APPLICATION = "urikake.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} that remembers what it reversed (urikake.web.url_cache)
            "builtins": ["urikake.web.url_cache"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "urikake.system.context_processors.demo_samples",
                "urikake.notifications.context.notification_centre",
            ],
        },
    },
]
# Django's form renderer with the plain widgets and error lists written in Python, not rendered
# through its widget templates: the same characters, a third of the template time of a page
# with a form (urikake.web.form_renderer).
FORM_RENDERER = "urikake.web.form_renderer.FastFormRenderer"

# --- Database ------------------------------------------------------------------------------
_DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'urikake.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", _DEFAULT_SQLITE)
# Each web worker keeps its connection between requests (``URIKAKE_DB_CONN_MAX_AGE`` seconds,
# 0 = one connection per request): opening one costs a PostgreSQL backend process and the
# session set-up, more CPU than most pages (benchmarks/README.md, "Load test"). The health
# check makes the first request after a database restart find the dead connection and open a
# new one, so service still comes back by itself (docs/operations.md §9.1).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("URIKAKE_DB_CONN_MAX_AGE", "300")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters sent apart from the SQL (server-side binding) instead of quoted into it, so a
    # query that a worker's connection has run URIKAKE_DB_PREPARE_THRESHOLD times (psycopg's
    # default 5) is prepared: PostgreSQL parses and plans it once per connection, not on every
    # request. Measured: PostgreSQL's CPU per page 8.1 -> 5.0 ms on the client home, 4.5 -> 2.5
    # on the reviewer's detail (benchmarks/README.md, "Prepared statements"). "none" turns
    # preparing off (a transaction-mode pooler without prepared-statement support in front).
    _threshold = os.environ.get("URIKAKE_DB_PREPARE_THRESHOLD", "5").strip().lower()
    # (added to what DATABASE_URL's query string sets, sslmode=… for one)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=None if _threshold == "none" else int(_threshold),
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web app read while the worker writes; IMMEDIATE takes the write lock at
        # BEGIN so that read-then-write transactions (the audit chain) serialise instead of
        # failing with "database is locked" half-way.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_urikake.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache shared by every process (allauth keeps rate limits and used TOTP codes in it, so a
# per-process cache would let a code be replayed on another worker). The database cache works
# everywhere with no extra service; CACHE_URL=redis://… switches to Redis.
if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "urikake_cache",
        }
    }
AUTH_USER_MODEL = "accounts.User"

# --- Background tasks (django-tasks; Django 6's tasks API) ---------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("URIKAKE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    },
    # Runs a task inline in the caller's process (after commit): used for mail under pytest.
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
# Where mail deliveries go (urikake.mail): the worker's queue; inline under pytest, so tests
# read what was sent as soon as the action commits.
MAIL_TASK_BACKEND = os.environ.get(
    "URIKAKE_MAIL_TASK_BACKEND", "immediate" if TESTING else "default"
)
MAIL_MAX_ATTEMPTS = int(os.environ.get("URIKAKE_MAIL_MAX_ATTEMPTS", "8"))
# A worker that has not written a heartbeat for this long is reported as down by /healthz.
WORKER_HEARTBEAT_SECONDS = float(os.environ.get("URIKAKE_WORKER_HEARTBEAT", "5"))
WORKER_STALE_AFTER_SECONDS = int(os.environ.get("URIKAKE_WORKER_STALE_AFTER", "30"))

# --- Authentication (django-allauth + allauth.mfa; see docs/security.md) -------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",  # Argon2id
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B rev. 4: length, not composition; 8+ with MFA, 15+ without; a blocklist.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "urikake.accounts.passwords.LengthForMFAValidator"},
    {"NAME": "urikake.accounts.passwords.BlocklistValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "applicants:home"
LOGOUT_REDIRECT_URL = "web:top"

ACCOUNT_ADAPTER = "urikake.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False  # this session stays; all others end (auth hash)
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # e-mail, password and MFA changes
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_SESSION_REMEMBER = None  # the user chooses "keep me logged in" on this device
# allauth counts in days; e-mail links (change of address) live 30 minutes.
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 30 / (24 * 60)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "【Urikake】"
ACCOUNT_PASSWORD_INPUT_RENDER_VALUE = False
ACCOUNT_RATE_LIMITS = {
    # Per IP and per e-mail; our own lockout (urikake.accounts.lockout) adds growing delays.
    "login_failed": "30/10m/ip,10/15m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",  # nosec B105 # rate limits, not passwords
    "reset_password_from_key": "20/h/ip",  # nosec B105 # rate limits, not passwords
    "contact": "10/h/ip,3/h/key",  # the public contact form (urikake.web)
}
PASSWORD_RESET_TIMEOUT = 30 * 60
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Urikake"
MFA_TOTP_TOLERANCE = (
    1  # accept the neighbouring 30-second window (clock drift); codes stay single-use
)
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not PRODUCTION  # http://localhost in development
USERSESSIONS_TRACK_ACTIVITY = True
# Verification is mandatory, so nobody with MFA has an unverified address; without this,
# allauth refuses e-mail changes for MFA users.
MFA_ALLOW_UNVERIFIED_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True  # mail the user when password, e-mail or MFA change
# Behind a reverse proxy, how many X-Forwarded-For hops to trust for the client IP.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Our own reverse proxies (CIDRs): inbound webhooks read the caller's address from the
# X-Forwarded-For hops they append (urikake.connections.inbound).
CONNECTION_TRUSTED_PROXIES = _env_list("CONNECTION_TRUSTED_PROXIES", "")

# Session lifetimes (seconds): idle and absolute, by kind of user (ASVS V3.3).
SESSION_LIMITS = {
    "applicant": {"idle": 60 * 60, "absolute": 24 * 60 * 60},
    "staff": {"idle": 15 * 60, "absolute": 12 * 60 * 60},
}
# Django's database sessions, the per-request read sent without the ORM's query building
SESSION_ENGINE = "urikake.accounts.session_store"
SESSION_COOKIE_AGE = 24 * 60 * 60  # "keep me logged in" never outlives the absolute limit
LOGIN_LOCKOUT = {
    "free_failures": 3,  # attempts before delays start
    "base_delay_seconds": 2,  # then 2, 4, 8, … seconds between attempts
    "max_delay_seconds": 60,
    "lock_after": 10,  # failures in a row → temporary lock
    "lock_seconds": 15 * 60,
}

# --- Internationalisation and time ---------------------------------------------------------
LANGUAGE_CODE = "ja"
# Each language is named in itself, as language pickers should.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
# Each app keeps its own catalog in <app>/locale/ (found by Django automatically).
LOCALE_PATHS: list[Path] = []
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True  # store UTC, show Asia/Tokyo

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "/static/"
# `urikake collectstatic` fills STATIC_ROOT for production; in development and tests WhiteNoise
# serves the apps' static directories directly (no collect step, nothing fetched from a CDN).
STATIC_ROOT = os.environ.get("STATIC_ROOT") or (str(VAR_DIR / "static") if PRODUCTION else None)
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", default=False)
# Seconds before an SMTP connection attempt gives up (the worker then retries the mail later).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Urikake <no-reply@urikake.invalid>")

# --- Payouts: the originator (依頼人) of 全銀 総合振込 files -----------------------------------
ZENGIN_REQUESTER_CODE = os.environ.get("URIKAKE_ZENGIN_REQUESTER_CODE", "")  # up to 10 digits
ZENGIN_REQUESTER_NAME = os.environ.get("URIKAKE_ZENGIN_REQUESTER_NAME", "")  # e.g. 株式会社ウリカケ
ZENGIN_BANK_CODE = os.environ.get("URIKAKE_ZENGIN_BANK_CODE", "")
ZENGIN_BRANCH_CODE = os.environ.get("URIKAKE_ZENGIN_BRANCH_CODE", "")
ZENGIN_ACCOUNT_TYPE = os.environ.get("URIKAKE_ZENGIN_ACCOUNT_TYPE", "1")
ZENGIN_ACCOUNT_NUMBER = os.environ.get("URIKAKE_ZENGIN_ACCOUNT_NUMBER", "")
if not PRODUCTION:
    # Development and tests: a demo originator, so payout files can be made out of the box.
    # Production must configure its own (checked below).
    ZENGIN_REQUESTER_CODE = ZENGIN_REQUESTER_CODE or "1234567890"
    ZENGIN_REQUESTER_NAME = ZENGIN_REQUESTER_NAME or "ｶ)ｳﾘｶｹ"
    ZENGIN_BANK_CODE = ZENGIN_BANK_CODE or "0001"
    ZENGIN_BRANCH_CODE = ZENGIN_BRANCH_CODE or "001"
    ZENGIN_ACCOUNT_NUMBER = ZENGIN_ACCOUNT_NUMBER or "7654321"

# --- E-contracts: the platform's PAdES certificate and the assignee named in every contract --
CONTRACT_SIGNING_KEY_FILE = os.environ.get("CONTRACT_SIGNING_KEY_FILE", "")
CONTRACT_SIGNING_CERT_FILE = os.environ.get("CONTRACT_SIGNING_CERT_FILE", "")
# Comma-separated PEM files of the issuing CA chain.
CONTRACT_SIGNING_CA_CHAIN_FILES = os.environ.get("CONTRACT_SIGNING_CA_CHAIN_FILES", "")
CONTRACT_SIGNING_KEY_PASSPHRASE = os.environ.get("CONTRACT_SIGNING_KEY_PASSPHRASE", "")
# An RFC 3161 time-stamping authority: seals become PAdES B-T (empty: B-B). `make run` points
# it at the local TSA simulator.
CONTRACT_TSA_URL = os.environ.get("CONTRACT_TSA_URL", "")
CONTRACT_ASSIGNEE_NAME = os.environ.get(
    "CONTRACT_ASSIGNEE_NAME", "" if PRODUCTION else "株式会社ウリカケ"
)
CONTRACT_ASSIGNEE_ADDRESS = os.environ.get(
    "CONTRACT_ASSIGNEE_ADDRESS", "" if PRODUCTION else "東京都千代田区大手町1-1-1"
)
# Development: a fictitious but well-formed 法人番号 (the 登記所 code 9999 does not exist), so
# documents and the 債権譲渡登記 data show a number instead of "missing".
CONTRACT_ASSIGNEE_CORPORATE_NUMBER = os.environ.get(
    "CONTRACT_ASSIGNEE_CORPORATE_NUMBER", "" if PRODUCTION else "7999901000001"
)
CONTRACT_ASSIGNEE_REPRESENTATIVE = os.environ.get(
    "CONTRACT_ASSIGNEE_REPRESENTATIVE", "" if PRODUCTION else "代表取締役 売掛 一郎"
)

# --- The operator as the public pages show it (運営会社; docs/public-site.md) -------------
# Name, address, 法人番号 and representative come from CONTRACT_ASSIGNEE_* above (one source).
OPERATOR_REGISTRATION = os.environ.get(
    "OPERATOR_REGISTRATION",
    "" if PRODUCTION else "ファクタリング（売掛債権の買取）は貸金業に当たらず、登録を要しません",
)
OPERATOR_CONTACT_EMAIL = os.environ.get(
    "OPERATOR_CONTACT_EMAIL", "" if PRODUCTION else "support@urikake.example"
)
OPERATOR_PHONE = os.environ.get("OPERATOR_PHONE", "" if PRODUCTION else "03-0000-0000")
OPERATOR_HOURS = os.environ.get("OPERATOR_HOURS", "平日 9:00〜18:00（土日祝・年末年始を除く）")

# --- Treasury (issue 5): perfection per product, bank cut-off, fees, collections -----------
# Which perfection (対抗要件) each product needs and whether funding may precede it:
# "notice" / "consent" / "registration"; ":early" lets funding precede perfection (2社間 after
# filing the registration), recorded on the deal.
# Unset: the product spec's default (urikake.domain.products). Keyed by the product id;
# the environment variable is TREASURY_PERFECTION_<ID> (e.g. TREASURY_PERFECTION_TWO_PARTY).
TREASURY_PERFECTION = {
    _product.id: os.environ.get(f"TREASURY_PERFECTION_{_product.id.name}", "")
    for _product in _all_products()
}
# The platform's collection account at the bank API (account id), for statement pulls.
TREASURY_BANK_API_ACCOUNT_ID = os.environ.get("TREASURY_BANK_API_ACCOUNT_ID", "")
# The bank's cut-off (JST) for same-day 総合振込; later batches take the next business day.
TREASURY_BANK_CUTOFF = os.environ.get("TREASURY_BANK_CUTOFF", "14:00")
# What the bank charges us per outgoing transfer (booked as 支払手数料).
TREASURY_TRANSFER_FEE_YEN = int(os.environ.get("TREASURY_TRANSFER_FEE_YEN", "145"))
# Who bears a transfer fee the debtor deducted from its payment: "platform" (booked as
# 支払手数料) or "client" (deducted from the holdback returned to the client).
TREASURY_PAYER_FEE_BORNE_BY = os.environ.get("TREASURY_PAYER_FEE_BORNE_BY", "platform")
if TREASURY_PAYER_FEE_BORNE_BY not in ("platform", "client"):
    raise ImproperlyConfigured("TREASURY_PAYER_FEE_BORNE_BY must be 'platform' or 'client'")
# The credit guarantee corporations' accounts (urikake.lending pays them the guarantee fee and
# their share of recoveries): a JSON object keyed by guarantee-scheme code, each
# {"bank_code", "branch_code", "account_type", "account_number", "holder_kana"}.
LENDING_GUARANTOR_ACCOUNTS = json.loads(os.environ.get("LENDING_GUARANTOR_ACCOUNTS", "{}"))
if not PRODUCTION and not LENDING_GUARANTOR_ACCOUNTS:
    # Development and tests: a demo guarantor account for both schemes.
    LENDING_GUARANTOR_ACCOUNTS = {
        code: {
            "bank_code": "0005",
            "branch_code": "001",
            "account_type": 1,
            "account_number": "1112223",
            "holder_kana": "ｼﾝﾖｳﾎｼﾖｳｷﾖｳｶｲ",
        }
        for code in ("receivables_2001", "liquid_assets_2007")
    }
# Two-party: business days the client has to forward a collection after the debtor's due date.
# Collection statements uploaded in the back office: nothing larger than MAX is accepted (a
# 100,000-line 全銀 file is about 20 MB); files larger than INLINE are imported and reconciled by
# the worker with progress on the page (urikake.treasury.statement_jobs), smaller ones at once.
TREASURY_STATEMENT_MAX_BYTES = int(os.environ.get("TREASURY_STATEMENT_MAX_BYTES", str(32_000_000)))
TREASURY_STATEMENT_INLINE_BYTES = int(
    os.environ.get("TREASURY_STATEMENT_INLINE_BYTES", str(1_000_000))
)
TREASURY_FORWARD_DAYS = int(os.environ.get("TREASURY_FORWARD_DAYS", "2"))
# Reminder schedule (days past due / past the forwarding deadline) and escalation.
TREASURY_REMINDER_DAYS = [
    int(d) for d in os.environ.get("TREASURY_REMINDER_DAYS", "1,7,14").split(",") if d
]
TREASURY_ESCALATE_AFTER_DAYS = int(os.environ.get("TREASURY_ESCALATE_AFTER_DAYS", "30"))

# --- Screening ------------------------------------------------------------------------------
# Referred applications at or above this amount need two different reviewers to approve.
FOUR_EYES_THRESHOLD_YEN = int(os.environ.get("FOUR_EYES_THRESHOLD_YEN", "3000000"))
# The largest invoice face accepted at entry (form, PDF/XML import, API): a sanity bound
# against mistyped or hostile amounts, not a credit limit (plans set those per deal).
RECEIVABLES_MAX_INVOICE_YEN = int(os.environ.get("RECEIVABLES_MAX_INVOICE_YEN", "10000000000"))

# --- Encryption at rest (urikake.security.crypto) -------------------------------------------
# Comma-separated Fernet keys; the first encrypts, all decrypt. `urikake security rotate-keys`
# re-encrypts stored values with the first key after you put a new key in front.
FIELD_ENCRYPTION_KEYS = _env_list("FIELD_ENCRYPTION_KEYS", "")
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))

# --- eKYC vendor (urikake.integrations.ekyc) --------------------------------------------------
EKYC_VENDOR_URL = os.environ.get("EKYC_VENDOR_URL", "http://127.0.0.1:8765")
EKYC_API_KEY = os.environ.get("EKYC_API_KEY", "" if PRODUCTION else "dev-ekyc-api-key")
EKYC_WEBHOOK_SECRET = os.environ.get(
    "EKYC_WEBHOOK_SECRET", "" if PRODUCTION else "dev-ekyc-webhook-secret"
)
EKYC_WEBHOOK_TOLERANCE_SECONDS = 300
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Bank API for statement pulls (/my/bank/); the local simulator in development ---------
BANK_API_URL = os.environ.get("BANK_API_URL", "http://127.0.0.1:8766")
BANK_API_TOKEN = os.environ.get("BANK_API_TOKEN", "" if PRODUCTION else "dev-bank-api-token")

# --- Screening vendors: 反社チェック and 信用情報 (docs/screening-vendors.md) ------------------
# Both are asked during screening, for the applicant (company + representative) and the
# debtor, once the applicant has consented to each use. Local simulators in development.
ANTISOCIAL_SCREENING_URL = os.environ.get("ANTISOCIAL_SCREENING_URL", "http://127.0.0.1:8768")
ANTISOCIAL_SCREENING_TOKEN = os.environ.get(
    "ANTISOCIAL_SCREENING_TOKEN", "" if PRODUCTION else "dev-antisocial-api-token"
)
CREDIT_BUREAU_URL = os.environ.get("CREDIT_BUREAU_URL", "http://127.0.0.1:8769")
CREDIT_BUREAU_TOKEN = os.environ.get(
    "CREDIT_BUREAU_TOKEN", "" if PRODUCTION else "dev-credit-bureau-api-token"
)
SCREENING_VENDOR_TIMEOUT_SECONDS = float(os.environ.get("SCREENING_VENDOR_TIMEOUT_SECONDS", "10"))
# A vendor's answer about a subject is reused for this many days before it is asked again.
SCREENING_VENDOR_CACHE_DAYS = int(os.environ.get("SCREENING_VENDOR_CACHE_DAYS", "30"))
# Off by default only under pytest (tests that exercise the vendors switch them on with the
# ``screening_vendors`` fixture); production refuses to start without them.
SCREENING_VENDOR_CHECKS = os.environ.get("SCREENING_VENDOR_CHECKS", "0" if TESTING else "1") != "0"
# --- SMS gateway (urikake.integrations.sms; docs/notifications.md); the simulator in dev ------
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "http://127.0.0.1:8770")
SMS_GATEWAY_TOKEN = os.environ.get(
    "SMS_GATEWAY_TOKEN", "" if PRODUCTION else "dev-sms-gateway-token"
)
# Where SMS deliveries go: the worker's queue; inline under pytest (like MAIL_TASK_BACKEND).
SMS_TASK_BACKEND = os.environ.get("URIKAKE_SMS_TASK_BACKEND", "immediate" if TESTING else "default")
SMS_MAX_ATTEMPTS = int(os.environ.get("URIKAKE_SMS_MAX_ATTEMPTS", "6"))

# --- Content Security Policy (django-csp 4): no inline scripts, nothing from other origins ---
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline *styles* are allowed (Swagger UI and allauth set some); inline scripts never.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "publickey-credentials-get=(self), publickey-credentials-create=(self)"
)

# --- Audit trail ---------------------------------------------------------------------------
# Ed25519 private key (PEM, or a path to a PEM file) that signs audit checkpoints.
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")

# --- Security ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Host-urikake_session" if PRODUCTION else "urikake_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "urikake.web.errors.csrf_failure"  # the site's own 403 page
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging: structured enough to grep, never personal data --------------------------------
# "json" (production default): one JSON object per line — timestamp, level, logger, message,
# request_id, user_id and, for the request line, route/method/status/duration_ms — for the
# journal or a log shipper. "plain" (development default): one readable line.
LOG_FORMAT = os.environ.get("URIKAKE_LOG_FORMAT", "json" if PRODUCTION else "plain").strip().lower()
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured("URIKAKE_LOG_FORMAT must be 'json' or 'plain'")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "urikake.system.logcontext.UrikakeJsonFormatter"},
    },
    "filters": {
        "redact": {"()": "urikake.security.logging.RedactPersonalDataFilter"},
        "request_context": {"()": "urikake.system.logcontext.RequestContextFilter"},
        "hide_request_path": {"()": "urikake.system.logcontext.HideRequestPathFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "hide_request_path", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Our own request line replaces Django's (which names the raw path; see
        # urikake.system.middleware for why paths are not logged).
        "django.server": {"level": "WARNING"},
    },
}

# --- Metrics (/metrics, Prometheus; docs/operations.md) -------------------------------------
# Either a scraper presents this bearer token, or it connects from one of these networks.
METRICS_BEARER_TOKEN = os.environ.get("URIKAKE_METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = _env_list(
    "URIKAKE_METRICS_ALLOWED_NETWORKS", "" if PRODUCTION else "127.0.0.0/8,::1/128"
)
if PRODUCTION and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # gunicorn runs several worker processes: request latencies are pooled through files here
    # (urikake.system.metrics). Set before prometheus_client is first imported.
    _metrics_dir = VAR_DIR / "prometheus"
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)


def _check_production() -> None:
    """Refuse to run production with development shortcuts; say exactly what to fix."""
    problems: list[str] = []
    if DEBUG:
        problems.append("DEBUG is on (unset DEBUG or set DEBUG=0)")
    if not SECRET_KEY or len(SECRET_KEY) < 40 or SECRET_KEY.startswith("django-insecure"):
        problems.append("SECRET_KEY is missing or too weak (set 50+ random characters)")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        problems.append("DATABASE_URL points at SQLite (use postgres://…)")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS is empty (list the host names this site answers to)")
    if not AUDIT_SIGNING_KEY:
        problems.append("AUDIT_SIGNING_KEY is missing (an Ed25519 private key in PEM)")
    if not FIELD_ENCRYPTION_KEYS:
        problems.append("FIELD_ENCRYPTION_KEYS is missing (urikake security keygen)")
    if not EKYC_API_KEY or not EKYC_WEBHOOK_SECRET:
        problems.append("EKYC_API_KEY / EKYC_WEBHOOK_SECRET are missing")
    if not SCREENING_VENDOR_CHECKS:
        problems.append("SCREENING_VENDOR_CHECKS=0 (反社 and credit-bureau checks are mandatory)")
    if not ANTISOCIAL_SCREENING_TOKEN or not CREDIT_BUREAU_TOKEN:
        problems.append("ANTISOCIAL_SCREENING_TOKEN / CREDIT_BUREAU_TOKEN are missing")
    for name, url in (
        ("ANTISOCIAL_SCREENING_URL", ANTISOCIAL_SCREENING_URL),
        ("CREDIT_BUREAU_URL", CREDIT_BUREAU_URL),
    ):
        if "127.0.0.1" in url or "localhost" in url:
            problems.append(f"{name} points at the local simulator")
    if not SMS_GATEWAY_TOKEN:
        problems.append("SMS_GATEWAY_TOKEN is missing (the SMS gateway's API token)")
    if not (ZENGIN_REQUESTER_CODE and ZENGIN_REQUESTER_NAME and ZENGIN_BANK_CODE):
        problems.append("URIKAKE_ZENGIN_* (the payout originator and bank account) are missing")
    if not ZENGIN_BRANCH_CODE or not ZENGIN_ACCOUNT_NUMBER:
        problems.append("URIKAKE_ZENGIN_BRANCH_CODE / URIKAKE_ZENGIN_ACCOUNT_NUMBER are missing")
    if not CONTRACT_SIGNING_KEY_FILE or not CONTRACT_SIGNING_CERT_FILE:
        problems.append(
            "CONTRACT_SIGNING_KEY_FILE / CONTRACT_SIGNING_CERT_FILE are missing"
            " (the PAdES certificate for contracts)"
        )
    if not (
        CONTRACT_ASSIGNEE_NAME and CONTRACT_ASSIGNEE_ADDRESS and CONTRACT_ASSIGNEE_CORPORATE_NUMBER
    ):
        problems.append(
            "CONTRACT_ASSIGNEE_NAME / _ADDRESS / _CORPORATE_NUMBER are missing"
            " (the assignee in every contract)"
        )
    if problems:
        raise ImproperlyConfigured(
            "URIKAKE_ENV=production refuses to start: " + "; ".join(problems) + "."
        )


if PRODUCTION:
    _check_production()
