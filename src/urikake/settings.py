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

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


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
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # Our bounded contexts (one Django app each). See docs/architecture.md.
    "urikake.accounts",
    "urikake.audit",
    "urikake.system",
    "urikake.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ------------------------------------------------------------------------------
_DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'urikake.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", _DEFAULT_SQLITE)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
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
AUTH_USER_MODEL = "accounts.User"

# --- Background tasks (django-tasks; Django 6's tasks API) ---------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("URIKAKE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A worker that has not written a heartbeat for this long is reported as down by /healthz.
WORKER_HEARTBEAT_SECONDS = 5
WORKER_STALE_AFTER_SECONDS = int(os.environ.get("URIKAKE_WORKER_STALE_AFTER", "30"))

# --- Passwords -----------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Internationalisation and time ---------------------------------------------------------
LANGUAGE_CODE = "ja"
# Each language is named in itself, as language pickers should.
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
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
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Urikake <no-reply@urikake.invalid>")

# --- Audit trail ---------------------------------------------------------------------------
# Ed25519 private key (PEM, or a path to a PEM file) that signs audit checkpoints.
AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", "")

# --- Security ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
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
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}


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
    if problems:
        raise ImproperlyConfigured(
            "URIKAKE_ENV=production refuses to start: " + "; ".join(problems) + "."
        )


if PRODUCTION:
    _check_production()
