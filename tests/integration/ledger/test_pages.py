"""Back-office pages and the JSON API of the ledger, as treasury staff sees them."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.integration.ledger.conftest import ACTOR, BANK, post_book, staff_client
from urikake.domain import ledger as rules
from urikake.ledger import services

pytestmark = pytest.mark.django_db

TB = reverse("ledger_backoffice:trial_balance")


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_trial_balance_page_shows_totals_and_the_balance_check(treasury: Client) -> None:
    post_book()
    page = _text(treasury.get(TB))
    assert "残高試算表" in page
    assert "貸借一致" in page
    assert "貸借不一致" not in page
    assert 'id="total-debits">¥30,000<' in page
    assert 'id="total-credits">¥30,000<' in page
    assert "買取手数料収入" in page
    assert BANK in page
    # As of the end of April only the purchase and the first payout count.
    april = _text(treasury.get(TB, {"as_of": "2026-04-30"}))
    assert 'id="total-debits">¥1,000,330<' in april
    assert "2026-04-30" in april
    # A broken date is ignored (the form shows its error) rather than a server error.
    assert "貸借一致" in _text(treasury.get(TB, {"as_of": "2026-02-31"}))


def test_accounts_page_lists_balances_with_a_prefix_filter(treasury: Client) -> None:
    post_book()
    page = _text(treasury.get(reverse("ledger_backoffice:accounts")))
    for code in (BANK, "fee_income", "payable:C1", "receivable:C1:D1", "transfer_fee"):
        assert code in page
    only_cash = _text(treasury.get(reverse("ledger_backoffice:accounts"), {"account": "cash"}))
    assert BANK in only_cash
    assert "fee_income" not in only_cash


def test_statement_page_and_csv(treasury: Client) -> None:
    post_book()
    url = reverse("ledger_backoffice:statement", args=[BANK])
    page = _text(treasury.get(url))
    assert "普通預金" in page
    assert "payout:1" in page
    assert "collection:1" in page
    assert "129,230" in page  # running balance after the collection
    may = _text(treasury.get(url, {"date_from": "2026-05-01", "date_to": "2026-05-31"}))
    assert "payout:1" not in may.split("前期繰越")[1]
    assert 'id="opening-balance">-¥870,330<' in may
    assert 'id="closing-balance">¥129,230<' in may

    response = treasury.get(url, {"date_from": "2026-05-01", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["日付", "仕訳ID", "摘要", "借方", "貸方", "残高"]
    assert rows[1] == ["", "", "前期繰越", "", "", "-870330"]
    assert rows[2] == ["2026-05-31", "collection:1", "売掛先からの回収", "999560", "", "129230"]
    assert rows[3] == ["2026-06-02", "payout:2", "買取代金振込", "", "100330", "28900"]

    assert treasury.get(reverse("ledger_backoffice:statement", args=["nope"])).status_code == 404


def test_csv_neutralises_formulas(treasury: Client) -> None:
    services.post(
        rules.journal_entry(
            "f:1", date(2026, 4, 1), "=HYPERLINK(1)", [("suspense", 1), ("fee_income", -1)]
        ),
        actor=ACTOR,
    )
    url = reverse("ledger_backoffice:statement", args=["suspense"])
    rows = list(
        csv.reader(io.StringIO(treasury.get(url, {"format": "csv"}).content.decode("utf-8-sig")))
    )
    assert rows[2][2] == "'=HYPERLINK(1)"


def test_entry_page_links_the_reversal(treasury: Client) -> None:
    post_book()
    services.reverse_entry(
        "payout:2",
        id="payout:2:reversal",
        date=date(2026, 6, 3),
        description="組戻し",
        actor=ACTOR,
    )
    page = _text(treasury.get(reverse("ledger_backoffice:entry", args=["payout:2"])))
    assert 'id="reversed-by"' in page
    assert "payout:2:reversal" in page
    assert "100,330" in page
    assert "支払手数料(振込手数料)" in page
    back = _text(treasury.get(reverse("ledger_backoffice:entry", args=["payout:2:reversal"])))
    assert "取消仕訳" in back
    assert "payout:2" in back
    missing = treasury.get(reverse("ledger_backoffice:entry", args=["nope"]))
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "structuring"])
def test_other_staff_roles_are_refused(django_user_model: Any, role: str) -> None:
    client = staff_client(django_user_model, role)
    assert client.get(TB).status_code == 403
    assert client.get("/api/ledger/trial-balance").status_code == 401


@pytest.mark.parametrize("role", ["compliance", "admin"])
def test_auditors_may_read_the_ledger(django_user_model: Any, role: str) -> None:
    client = staff_client(django_user_model, role)
    assert client.get(TB).status_code == 200
    assert client.get("/api/ledger/trial-balance").status_code == 200


def test_api_trial_balance_and_statement(treasury: Client) -> None:
    post_book()
    body = treasury.get("/api/ledger/trial-balance").json()
    assert body["balanced"] is True
    assert body["total_debits"] == 30_000
    assert {r["account"]: (r["debit"], r["credit"]) for r in body["rows"]} == {
        BANK: (28_900, 0),
        "fee_income": (0, 30_000),
        "transfer_fee": (1_100, 0),
    }
    april = treasury.get("/api/ledger/trial-balance", {"as_of": "2026-04-30"}).json()
    assert april["as_of"] == "2026-04-30"
    assert april["total_debits"] == 1_000_330

    statement = treasury.get(
        f"/api/ledger/accounts/{BANK}/statement", {"date_from": "2026-05-01"}
    ).json()
    assert statement["opening_balance"] == -870_330
    assert statement["closing_balance"] == 28_900
    assert [line["running_balance"] for line in statement["lines"]] == [129_230, 28_900]
    assert statement["kind"] == "asset"
    assert statement["name"] == "普通預金(0001-001-1234567)"

    bad = treasury.get("/api/ledger/accounts/nope/statement")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "ledger.unknown_account"
    assert Client().get("/api/ledger/trial-balance").status_code == 401
