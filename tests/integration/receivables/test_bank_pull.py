"""Pulling statements from the bank API (real HTTP against the local simulator): all or
nothing, the same statement twice is recognised, overlapping periods add each movement once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests.fixtures.clients import accept_current_terms
from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.integrations.bank import adapter
from urikake.integrations.bank.adapter import BankApiError, HttpBankApi, source_from_settings
from urikake.integrations.bank.simulator import BankApiSimulator
from urikake.receivables.bank_pull import default_period, pull_statement
from urikake.receivables.models import StatementEntry, StatementImport
from urikake.receivables.services import ImportResult

pytestmark = pytest.mark.django_db

Owner = tuple[Any, Organization]


ACCOUNT = "acc_demo_main"


def _member(django_user_model: Any, email: str, org_name: str) -> Owner:
    user = django_user_model.objects.create_user(email=email, password="x" * 20)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    accept_current_terms(user)
    org = Organization.objects.create(kind="corporation", name=org_name)
    Membership.objects.create(user=user, organization=org, role="owner")
    return user, org


@pytest.fixture
def owner(django_user_model: Any) -> Owner:
    return _member(django_user_model, "owner@example.jp", "株式会社テスト")


def _pull(
    sim: BankApiSimulator, owner: Owner, start: date, end: date, *, token: str | None = None
) -> ImportResult:
    user, org = owner
    return pull_statement(
        org,
        acting_user=user,
        source=HttpBankApi(sim.url, token or sim.token),
        account_id=ACCOUNT,
        date_from=start,
        date_to=end,
    )


def _expected(sim: BankApiSimulator, start: date, end: date) -> list[dict[str, Any]]:
    return [t for t in sim.transactions(ACCOUNT) if start <= t["_date"] <= end]


def _transaction_requests(sim: BankApiSimulator) -> int:
    return sum(1 for r in sim.requests if "/transactions" in r)


def test_pull_a_year_over_several_pages_then_again_is_recognised(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    expected = _expected(bank_api_simulator, start, end)
    assert len(expected) > bank_api_simulator.page_size  # really several pages

    first = _pull(bank_api_simulator, owner, start, end)
    assert not first.duplicate
    assert first.new_lines == first.statement.line_count == len(expected)
    assert _transaction_requests(bank_api_simulator) == len(expected) // 100 + 1
    record = first.statement
    assert record.source == StatementImport.Source.BANK_API
    assert (record.bank_code, record.branch_code, record.account_number_last4) == (
        "0001",
        "001",
        "4567",
    )
    assert (record.period_start, record.period_end) == (start, end)
    assert record.deposit_total == sum(t["amount"] for t in expected if t["direction"] == "deposit")
    entries = StatementEntry.objects.filter(statement=record)
    assert entries.count() == len(expected)
    assert set(entries.values_list("reference", flat=True)) == {
        t["transaction_id"] for t in expected
    }
    assert entries.filter(counterparty__startswith="ｶ)").exists()
    assert entries.filter(direction="withdrawal", description="ｷﾕｳﾖﾌﾘｺﾐ").count() == 12

    again = _pull(bank_api_simulator, owner, start, end)
    assert again.duplicate
    assert again.new_lines == 0
    assert again.statement.pk == record.pk
    assert StatementImport.objects.count() == 1
    assert StatementEntry.objects.count() == len(expected)
    assert AuditRecord.objects.filter(action="statement.imported").count() == 1


def test_overlapping_periods_add_each_movement_once(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    first = _pull(bank_api_simulator, owner, date(2025, 1, 1), date(2025, 6, 30))
    second = _pull(bank_api_simulator, owner, date(2025, 4, 1), date(2025, 9, 30))
    assert not second.duplicate
    assert second.statement.line_count == len(
        _expected(bank_api_simulator, date(2025, 4, 1), date(2025, 9, 30))
    )
    assert second.new_lines == len(
        _expected(bank_api_simulator, date(2025, 7, 1), date(2025, 9, 30))
    )
    assert first.new_lines + second.new_lines == StatementEntry.objects.count()
    assert StatementEntry.objects.count() == len(
        _expected(bank_api_simulator, date(2025, 1, 1), date(2025, 9, 30))
    )
    assert StatementImport.objects.count() == 2


def test_a_new_movement_makes_a_new_statement_with_one_new_line(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    start, end = date(2025, 3, 1), date(2025, 3, 31)
    before = _pull(bank_api_simulator, owner, start, end)
    body = json.dumps(
        {
            "value_date": "2025-03-31",
            "direction": "deposit",
            "amount": 550_000,
            "counterparty": "ｶ)ｼﾝｷﾄﾘﾋｷｻｷ",
            "description": "ﾌﾘｺﾐ",
        }
    ).encode()
    request = urllib.request.Request(
        f"{bank_api_simulator.url}/_simulator/accounts/{ACCOUNT}/transactions",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
        added = json.loads(response.read())
    assert added["counterparty"] == "ｶ)ｼﾝｷﾄﾘﾋｷｻｷ"
    after = _pull(bank_api_simulator, owner, start, end)
    assert not after.duplicate
    assert after.statement.line_count == before.statement.line_count + 1
    assert after.new_lines == 1
    assert StatementEntry.objects.filter(reference=added["transaction_id"]).count() == 1


def test_an_error_on_a_later_page_imports_nothing(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    bank_api_simulator.fail_on_page = 2
    with pytest.raises(BankApiError) as exc:
        _pull(bank_api_simulator, owner, date(2025, 1, 1), date(2025, 12, 31))
    assert exc.value.message == adapter.SERVER_ERROR
    assert exc.value.status == 500
    assert "HTTP 500" in exc.value.detail
    assert _transaction_requests(bank_api_simulator) == 2  # page 1 was read, then it failed
    assert StatementImport.objects.count() == 0
    assert StatementEntry.objects.count() == 0
    assert not AuditRecord.objects.filter(action="statement.imported").exists()


def test_wrong_token_unknown_account_and_unreachable_bank_give_clear_errors(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    with pytest.raises(BankApiError) as exc:
        _pull(bank_api_simulator, owner, date(2025, 1, 1), date(2025, 1, 31), token="wrong")
    assert exc.value.message == adapter.UNAUTHORIZED
    assert "認証に失敗" in str(exc.value)
    assert exc.value.status == 401

    user, org = owner
    with pytest.raises(BankApiError) as exc:
        pull_statement(
            org,
            acting_user=user,
            source=HttpBankApi(bank_api_simulator.url, bank_api_simulator.token),
            account_id="acc_nobody",
            date_from=date(2025, 1, 1),
            date_to=date(2025, 1, 31),
        )
    assert exc.value.message == adapter.NOT_FOUND

    url = bank_api_simulator.url
    bank_api_simulator.stop()
    with pytest.raises(BankApiError) as exc:
        HttpBankApi(url, "t", timeout=2).list_accounts()
    assert exc.value.message == adapter.UNREACHABLE
    assert StatementImport.objects.count() == 0


def test_bad_periods_are_refused_before_calling_the_bank(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    for start, end in [
        (date(2025, 2, 1), date(2025, 1, 1)),  # reversed
        (date(2022, 1, 1), date(2025, 1, 1)),  # longer than two years
        (date(2025, 1, 1), date(2999, 1, 1)),  # in the future
    ]:
        with pytest.raises(DomainError):
            _pull(bank_api_simulator, owner, start, end)
    assert bank_api_simulator.requests == []


def test_http_client_refuses_non_http_urls_and_empty_tokens() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpBankApi("file:///etc/passwd", "t")
    with pytest.raises(ValueError, match="token"):
        HttpBankApi("http://127.0.0.1:1", "")


def test_generated_history_is_deterministic_and_realistic() -> None:
    today = lambda: date(2026, 6, 30)  # noqa: E731
    one = BankApiSimulator(port=0, today=today)
    two = BankApiSimulator(port=0, today=today)
    try:
        history = one.transactions(ACCOUNT)
        assert history == two.transactions(ACCOUNT)
        assert history != one.transactions("acc_demo_sub")
        payers = {t["counterparty"] for t in history if t["direction"] == "deposit"}
        assert any(p.startswith("ｶ)") for p in payers)
        assert any(p.endswith("(ｶ") for p in payers)
        assert all(t["amount"] > 0 for t in history)
        assert all(t["balance_after"] >= 0 for t in history)
        # Each regular customer pays (almost) every month.
        regular = [p for p in payers if sum(t["counterparty"] == p for t in history) >= 40]
        assert len(regular) >= 3
    finally:
        one.stop()
        two.stop()


def test_default_period_is_the_last_twelve_months() -> None:
    assert default_period(date(2026, 11, 23)) == (date(2025, 11, 24), date(2026, 11, 23))
    assert default_period(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


# --- the page ---------------------------------------------------------------------------


def test_the_page_pulls_for_an_applicant_and_other_organisations_see_nothing(
    bank_api_simulator: BankApiSimulator, owner: Owner, django_user_model: Any
) -> None:
    user, org = owner
    client = Client()
    client.force_login(user)
    page = client.get("/my/bank/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "ｶ)ﾃﾞﾓｼﾖｳｼﾞ（001支店 ****4567）" in html  # the accounts the API lists
    assert "1234567" not in html  # never the full account number
    assert "取り込む" in html

    start, end = default_period(date.today())
    form = {"account_id": ACCOUNT, "date_from": start.isoformat(), "date_to": end.isoformat()}
    done = client.post("/my/bank/", form, follow=True).content.decode()
    count = StatementEntry.objects.filter(organization=org).count()
    assert count > 0
    assert f"{count}件の明細を取り込みました" in done
    assert "****4567" in done
    again = client.post("/my/bank/", form, follow=True).content.decode()
    assert "すでに取り込まれています" in again
    assert StatementImport.objects.count() == 1

    other_user, other_org = _member(django_user_model, "other@example.jp", "合同会社ほか")
    other = Client()
    other.force_login(other_user)
    theirs = other.get("/my/bank/").content.decode()
    assert "まだ銀行APIから取り込んだ明細はありません" in theirs
    assert "件の明細を取り込みました" not in theirs
    assert not StatementImport.objects.filter(organization=other_org).exists()
    statements_page = other.get("/my/statements/").content.decode()
    assert "ﾃﾞﾓｼﾖｳｼﾞ" not in statements_page

    assert Client().get("/my/bank/").status_code == 302  # anonymous → login


def test_the_page_shows_bank_errors_and_imports_nothing(
    bank_api_simulator: BankApiSimulator, owner: Owner, settings: Any
) -> None:
    user, _org = owner
    client = Client()
    client.force_login(user)
    form = {"account_id": ACCOUNT, "date_from": "2025-01-01", "date_to": "2025-12-31"}

    bank_api_simulator.fail_on_page = 2
    html = client.post("/my/bank/", form).content.decode()
    assert adapter.SERVER_ERROR in html
    assert StatementImport.objects.count() == 0
    bank_api_simulator.fail_on_page = None

    reversed_period = {**form, "date_from": "2026-01-01"}
    assert "開始日は終了日以前" in client.post("/my/bank/", reversed_period).content.decode()

    settings.BANK_API_TOKEN = "wrong-token"
    page = client.get("/my/bank/")
    assert page.status_code == 200
    assert adapter.UNAUTHORIZED in page.content.decode()
    assert adapter.UNAUTHORIZED in client.post("/my/bank/", form).content.decode()
    assert StatementImport.objects.count() == 0


def test_source_from_settings_uses_the_settings(settings: Any) -> None:
    settings.BANK_API_URL = "http://127.0.0.1:9"
    settings.BANK_API_TOKEN = "tok"
    source = source_from_settings()
    assert isinstance(source, HttpBankApi)
    assert (source.client.base_url, source.client.token) == ("http://127.0.0.1:9", "tok")


def _operator_post(sim: BankApiSimulator, path: str, payload: object) -> tuple[int, Any]:
    request = urllib.request.Request(
        sim.url + path,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def test_operator_fault_endpoint_and_foreign_cursor(
    bank_api_simulator: BankApiSimulator, owner: Owner
) -> None:
    status, _ = _operator_post(bank_api_simulator, "/_simulator/faults", {"fail_on_page": 0})
    assert status == 400
    status, _ = _operator_post(
        bank_api_simulator, "/_simulator/faults", {"fail_on_page": 1, "status": 503}
    )
    assert status == 200
    with pytest.raises(BankApiError) as exc:
        _pull(bank_api_simulator, owner, date(2025, 1, 1), date(2025, 1, 31))
    assert exc.value.status == 503
    _operator_post(bank_api_simulator, "/_simulator/faults", {"fail_on_page": None})
    assert not _pull(bank_api_simulator, owner, date(2025, 1, 1), date(2025, 1, 31)).duplicate

    api = HttpBankApi(bank_api_simulator.url, bank_api_simulator.token)
    page = api.transactions_page(ACCOUNT, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert page.next_cursor is not None
    with pytest.raises(BankApiError) as exc:  # a cursor of another period is refused
        api.transactions_page(
            ACCOUNT, date_from=date(2025, 2, 1), date_to=date(2025, 12, 31), cursor=page.next_cursor
        )
    assert exc.value.message == adapter.BAD_REQUEST
    status, body = _operator_post(
        bank_api_simulator, f"/_simulator/accounts/{ACCOUNT}/transactions", {"amount": -1}
    )
    assert status == 400
    assert body["error"]["code"] == "invalid_request"
