"""The receivables, contracts, ledger and treasury pages in English.

The UI is Japanese first; each app ships an English catalog (``<app>/locale/en``). A user who
switches to English (the language cookie, set by ``/i18n/setlang/``) must see English headings
on these apps' pages, not the Japanese source strings.
"""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import Deal, make_deal
from tests.integration.contracts.conftest import PLATFORM_ACCOUNT
from tests.integration.treasury.test_overdue import purchased
from urikake.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def platform_account(settings: Any) -> None:
    """The platform's details, which the contract documents are drawn up with."""
    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _applicant(user: User) -> Client:
    """The owner, logged in, having accepted the current terms (else /my/ asks for consent)."""
    return applicant_client(user)


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert '<html lang="en">' in html, url
    return html


def _assert_english(html: str, english: list[str], japanese: list[str]) -> None:
    for text in english:
        assert text in html, text
    for text in japanese:
        assert text not in html, text


@pytest.fixture
def staff() -> Client:
    user = User.objects.create_user(
        email="treasury-en@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return _english(client)


def test_switching_language_turns_the_applicants_pages_english() -> None:
    deal: Deal = make_deal()
    client = _applicant(deal.user)
    before = client.get("/my/applications/").content.decode()
    assert "資金化の申込み" in before  # Japanese first

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/my/applications/"})
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    pk = deal.application.pk
    _assert_english(
        _page(client, "/my/applications/"),
        ["<h1>Funding applications</h1>", "Your applications", "Apply (start screening)"],
        ["資金化の申込み", "これまでの申込み"],
    )
    _assert_english(
        _page(client, f"/my/applications/{pk}/"),
        [f"<h1>Application #{pk}</h1>", "Our offer", "Purchase price", "Holdback"],
        ["ご提示条件", "提示の有効期限", "この条件で承諾する"],
    )
    _assert_english(
        _page(client, f"/my/contracts/{pk}/"),
        [f"<h1>E-contract（Application #{pk}）</h1>", "Contract documents", "Key terms"],
        ["電子契約", "契約書類", "主な契約条件", "なし（ノンリコース）"],
    )


def test_the_applicants_treasury_page_in_english() -> None:
    p = purchased(product="two_party")
    client = _english(_applicant(p.organization.memberships.get(role="owner").user))
    _assert_english(
        _page(client, "/my/treasury/"),
        [
            "<h1>Purchased receivables and collections</h1>",
            "Upcoming payments to us (collections)",
            "Two-party",
            "Pay us by",
        ],
        ["買取済みの債権と回収状況", "当社へのお支払い期限", "2社間"],
    )
    _assert_english(
        _page(client, f"/my/treasury/{p.pk}/"),
        ["Back to purchased receivables", "Face value", "Outstanding"],
        ["買取済みの債権の一覧", "未回収額"],
    )


def test_treasury_back_office_pages_in_english(staff: Client) -> None:
    _assert_english(
        _page(staff, "/backoffice/treasury/"),
        ["<h1>Treasury</h1>", "Collections due in the next 30 days", "Payouts waiting"],
        ["資金管理", "今後30日の回収予定", "送金待ち"],
    )
    _assert_english(
        _page(staff, "/backoffice/treasury/payouts/"),
        ["<h1>Payouts and bulk transfer files</h1>", "Create bulk transfer file"],
        ["送金と総合振込データ", "総合振込データを作成する"],
    )
    _assert_english(
        _page(staff, "/backoffice/treasury/deposits/"),
        ["<h1>Deposits and matching</h1>", "Import and auto-match"],
        ["入金と消込", "取り込んで自動消込する"],
    )


def test_ledger_back_office_in_english(staff: Client) -> None:
    purchased()  # posts the purchase entry, so that accounts have balances
    _assert_english(
        _page(staff, "/backoffice/ledger/"),
        ["<h1>Trial balance</h1>", "Debits equal credits", "Debit balance", "Credit balance"],
        ["残高試算表", "貸借一致", "借方残高", "貸方残高"],
    )
    _assert_english(
        _page(staff, "/backoffice/ledger/accounts/"),
        ["Accounts and balances", "Account code"],
        ["勘定科目と残高", "勘定科目コード"],
    )
