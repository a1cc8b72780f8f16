"""GET /api/applicants/banks and /banks/{code}/branches: logged-in users, structured errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from urikake.accounts.api_auth import AuthenticatedAuth
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.api import router

from .conftest import make_user

pytestmark = pytest.mark.django_db

BANKS = "/api/applicants/banks"


def test_url_names_resolve():
    assert reverse("api:applicants_bank_search") == BANKS
    assert reverse("api:applicants_branch_search", args=["0001"]) == f"{BANKS}/0001/branches"


def test_bank_search_by_name_kana_and_code(logged_in):
    client = logged_in(make_user("a@example.com"))
    body = client.get(BANKS, {"q": "みずほ銀行"}).json()
    assert body["results"][0] == {"code": "0001", "name": "みずほ", "kana": "ミズホ"}
    assert body["data_version"]
    assert client.get(BANKS, {"q": "ﾐﾂｲｽﾐﾄﾓ"}).json()["results"][0]["code"] == "0009"
    assert client.get(BANKS, {"q": "0005"}).json()["results"][0]["name"] == "三菱ＵＦＪ"
    assert client.get(BANKS, {"q": ""}).json()["results"] == []


def test_branch_search(logged_in):
    client = logged_in(make_user("a@example.com"))
    response = client.get(f"{BANKS}/0001/branches", {"q": "東京営業部"})
    assert response.status_code == 200
    body = response.json()
    assert body["bank"]["name"] == "みずほ"
    assert body["results"][0] == {
        "bank_code": "0001",
        "code": "001",
        "name": "東京営業部",
        "kana": "トウキヨウ",
    }


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        (f"{BANKS}/9998/branches", {"q": "本店"}, "bank_code.unknown"),
        (f"{BANKS}/12/branches", {"q": "本店"}, "bank_code.format"),
        (BANKS, {"q": "あ" * 51}, "bank_search.query_too_long"),
    ],
)
def test_errors_are_structured_json(logged_in, path, params, code):
    client = logged_in(make_user("a@example.com"))
    response = client.get(path, params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]  # Japanese, for people


def test_anonymous_callers_are_refused(client):
    assert client.get(BANKS, {"q": "みずほ"}).status_code == 401
    assert client.get(f"{BANKS}/0001/branches", {"q": "東京"}).status_code == 401


def test_operations_declare_authentication_and_a_url_name():
    ops = [op for pv in router.path_operations.values() for op in pv.operations]
    assert len(ops) == 4
    for op in ops:
        assert op.url_name
        assert op.auth_callbacks
        # Bank look-up: any signed-in user; consent to data uses: an applicant's member.
        expected = (
            ApplicantAuth if op.url_name.startswith("applicants_data_use") else AuthenticatedAuth
        )
        assert all(isinstance(a, expected) for a in op.auth_callbacks)
