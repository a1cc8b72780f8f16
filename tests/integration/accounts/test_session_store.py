"""The session store reads what Django's database store reads, and refuses what it refuses.

``urikake.accounts.session_store`` sends the per-request session read as SQL; each case is
checked against Django's own ``SessionStore`` on the same rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from urikake.accounts.models import User
from urikake.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def _saved(data: dict[str, object]) -> str:
    store = DjangoStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_a_live_session_is_loaded_as_djangos_store_loads_it() -> None:
    key = _saved({"name": "山田", "n": 3, "nested": {"a": [1, 2]}})
    ours, djangos = SessionStore(key), DjangoStore(key)
    assert (
        dict(ours.items())
        == dict(djangos.items())
        == {
            "name": "山田",
            "n": 3,
            "nested": {"a": [1, 2]},
        }
    )
    assert ours.session_key == key


@pytest.mark.parametrize("expired_by", [timedelta(seconds=1), timedelta(days=3)])
def test_an_expired_session_is_refused(expired_by: timedelta) -> None:
    key = _saved({"_auth_user_id": "1"})
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - expired_by)
    ours, djangos = SessionStore(key), DjangoStore(key)
    assert dict(ours.items()) == dict(djangos.items()) == {}
    assert ours.session_key is None
    assert djangos.session_key is None


def test_an_unknown_or_tampered_key_gets_a_new_empty_session() -> None:
    key = _saved({"x": 1})
    for wrong in (key[:-1] + ("a" if key[-1] != "a" else "b"), "' OR 1=1 --x", "x" * 40):
        store = SessionStore(wrong)
        assert dict(store.items()) == {}
        assert store.session_key is None


def test_a_signed_in_request_uses_it_and_stays_signed_in() -> None:
    user = User.objects.create_user(email="store@example.com", password="pw-9f3!kq")
    client = Client()
    client.force_login(user)
    key = client.session.session_key
    assert isinstance(client.session, SessionStore)
    assert SessionStore(key).get("_auth_user_id") == str(user.pk)
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    assert SessionStore(key).get("_auth_user_id") is None  # expired: signed out
