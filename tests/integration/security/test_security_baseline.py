"""Security baseline: encryption at rest and key rotation, upload sniffing, log redaction,
response headers (issue 3, item 6)."""

from __future__ import annotations

import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, models
from django.test import Client

from urikake.security import crypto
from urikake.security.logging import RedactPersonalDataFilter, redact
from urikake.security.uploads import validate_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


@pytest.fixture
def two_keys(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return old, new


def test_text_round_trip_and_ciphertext_hides_plaintext(two_keys) -> None:
    stored = crypto.encrypt_text("1234567")
    assert stored.startswith(crypto.PREFIX)
    assert "1234567" not in stored
    assert crypto.decrypt_text(stored) == "1234567"


def test_old_values_stay_readable_after_adding_a_key(settings, two_keys) -> None:
    old, new = two_keys
    stored = crypto.encrypt_text("7654321")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt_text(stored) == "7654321"
    rotated = crypto.rotate_text(stored)
    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert crypto.decrypt_text(rotated) == "7654321"
    with pytest.raises(ValueError, match="no configured key"):
        crypto.decrypt_text(stored)


def test_encrypted_field_is_ciphertext_in_sql(settings, two_keys) -> None:
    field = crypto.EncryptedTextField()
    prepared = field.get_prep_value("0012345")
    assert prepared is not None
    assert "0012345" not in prepared
    assert field.from_db_value(prepared, None, connection) == "0012345"
    assert field.get_prep_value("") == ""
    assert field.get_prep_value(None) is None


class _Secret(models.Model):
    """A throw-away model to exercise rotate-keys over a real table."""

    value = crypto.EncryptedTextField()

    class Meta:
        app_label = "security"
        db_table = "security_test_secret"


@pytest.mark.django_db(transaction=True)
def test_rotate_keys_command_reencrypts_every_row(settings, two_keys) -> None:
    old, new = two_keys
    with connection.schema_editor() as editor:
        editor.create_model(_Secret)
    try:
        for n in ("1111111", "2222222"):
            _Secret.objects.create(value=n)
        settings.FIELD_ENCRYPTION_KEYS = [new, old]
        out = io.StringIO()
        call_command("security", "rotate-keys", stdout=out)
        assert "2 values re-encrypted" in out.getvalue()
        settings.FIELD_ENCRYPTION_KEYS = [new]  # the old key is gone: values must still read
        assert sorted(s.value for s in _Secret.objects.all()) == ["1111111", "2222222"]
        with connection.cursor() as cur:
            cur.execute("SELECT value FROM security_test_secret")
            raw = [r[0] for r in cur.fetchall()]
        assert all(r.startswith(crypto.PREFIX) and "1111111" not in r for r in raw)
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(_Secret)


def test_keygen_prints_a_usable_key() -> None:
    out = io.StringIO()
    call_command("security", "keygen", stdout=out)
    Fernet(out.getvalue().strip().encode())


@pytest.mark.parametrize(
    ("content", "kinds", "kind"),
    [
        (PDF, {"pdf"}, "pdf"),
        (PNG, {"image", "pdf"}, "image"),
        (b"<?xml version='1.0'?><Invoice/>", {"xml"}, "xml"),
        ("入金日,金額\n2026-11-01,1000\n".encode("cp932"), {"csv"}, "csv"),
    ],
)
def test_upload_type_is_sniffed_from_content(content: bytes, kinds: set[str], kind: str) -> None:
    sniffed = validate_upload(SimpleUploadedFile("x.bin", content), kinds=kinds)
    assert sniffed.kind == kind
    assert sniffed.size == len(content)


def test_upload_with_lying_name_and_type_is_refused() -> None:
    fake = SimpleUploadedFile(
        "invoice.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    with pytest.raises(ValidationError) as exc:
        validate_upload(fake, kinds={"pdf"})
    assert exc.value.code == "upload.type"
    assert "対応していません" in exc.value.messages[0]


def test_upload_size_limit_and_empty_file() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_upload(
            SimpleUploadedFile("big.pdf", PDF + b"0" * 2048), kinds={"pdf"}, max_bytes=1024
        )
    assert exc.value.code == "upload.too_large"
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile("e.pdf", b""), kinds={"pdf"})
    assert exc.value.code == "upload.empty"


def test_log_redaction_masks_personal_data(caplog) -> None:
    assert redact("login taro@example.co.jp acct 1234567 tel 090-1234-5678") == (
        "login [email] acct [digits] tel [phone]"
    )
    logger = logging.getLogger("urikake.test.redaction")
    logger.addFilter(RedactPersonalDataFilter())
    with caplog.at_level(logging.INFO, logger="urikake.test.redaction"):
        logger.info("payout to %s for %s", "0012345", "hanako@example.com")
    assert "0012345" not in caplog.text
    assert "hanako@example.com" not in caplog.text
    assert "[digits]" in caplog.text


def test_console_handler_is_configured_to_redact(settings) -> None:
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]


@pytest.mark.django_db
def test_security_headers_on_pages(client: Client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in response.headers["Permissions-Policy"]


@pytest.mark.django_db
def test_csrf_is_enforced_on_forms() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en"})
    assert response.status_code == 403


def test_session_and_csrf_cookie_flags(settings) -> None:
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_HTTPONLY is True
