"""The database unreachable → 503 with ``Retry-After``, never a 500 or a traceback (issue 14
item 4). The fast counterpart of tests/integration/test_fault_postgres_restart.py: here the
default connection is really pointed at a database that cannot be opened (a closed port on
PostgreSQL, a file in a directory that does not exist on SQLite), so the session look-up of a
signed-in request fails the way it does while PostgreSQL restarts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from urikake.accounts.models import User
from urikake.web.errors import RETRY_AFTER_SECONDS

# The connection is closed and reopened: no test transaction may hold it.
pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


@contextmanager
def database_unreachable() -> Iterator[None]:
    connection.close()
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-urikake-dir/db.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def signed_in() -> Client:
    user = User.objects.create_user(email="down@example.com", password="x" * 20)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("language", "title"),
    [("ja", "ただいまサービスを一時的に利用できません"), ("en", "temporarily unavailable")],
)
def test_a_page_answers_503_with_retry_after(signed_in: Client, language: str, title: str) -> None:
    signed_in.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with database_unreachable():
        response = signed_in.get("/my/invoices/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert title in html
    assert "Traceback" not in html
    assert "OperationalError" not in html
    # Back up: the same client is served again (the connection is opened anew).
    assert signed_in.get("/my/invoices/").status_code in (200, 302)  # 302: terms to accept


@override_settings(DEBUG=False)
def test_the_api_answers_503_in_its_error_shape(signed_in: Client) -> None:
    with database_unreachable():
        response = signed_in.get("/api/receivables/invoices")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "service.unavailable"
    assert error["message"]
    assert "Traceback" not in response.content.decode()


@override_settings(DEBUG=False)
def test_a_write_while_down_answers_503(signed_in: Client) -> None:
    with database_unreachable():
        response = signed_in.post(
            "/api/receivables/invoices", {"invoice_number": "X"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service.unavailable"
