"""The payout account: bank look-up, 全銀 holder names, encryption at rest, re-authentication."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from urikake.applicants import services
from urikake.applicants.models import PayoutAccount
from urikake.audit.models import AuditRecord
from urikake.security.crypto import decrypt_text

from .conftest import PASSWORD, add_member, make_org

pytestmark = pytest.mark.django_db

PAYOUT = reverse("applicants:onboarding_payout")
CHANGE = reverse("applicants:payout_change")


def account(**overrides: str) -> dict[str, str]:
    data = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_type": "1",
        "account_number": "1234567",
        "holder_name": "カブシキガイシャウリカケ",
    }
    data.update(overrides)
    return data


def save_account(org, owner, **overrides: str) -> PayoutAccount:
    data = account(**overrides)
    draft = services.draft_payout_account(
        org,
        bank_code=data["bank_code"],
        branch_code=data["branch_code"],
        account_type=data["account_type"],
        account_number=data["account_number"],
        holder_name=data["holder_name"],
    )
    return services.save_payout_account(org, draft, acting_user=owner)


def test_bank_can_be_chosen_by_code_kana_or_romaji(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    for query in ("0001", "ミズホ", "ﾐｽﾞﾎ", "mizuho"):
        html = client.get(PAYOUT, {"bank_q": query}).content.decode()
        assert f"{PAYOUT}?bank=0001" in html, query
    nothing = client.get(PAYOUT, {"bank_q": "存在しない銀行名"}).content.decode()
    assert "見つかりませんでした" in nothing


def test_unknown_bank_or_branch_code_in_the_url_goes_back_to_search(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    assert 'name="bank_q"' in client.get(PAYOUT, {"bank": "9998"}).content.decode()
    page = client.get(PAYOUT, {"bank": "0001", "branch": "999"}).content.decode()
    assert 'name="branch_q"' in page
    assert "みずほ" in page


def test_holder_name_is_converted_for_the_bank_and_shown_before_saving(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    response = client.post(PAYOUT, account(holder_name="かぶしきがいしゃ　うりかけ"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "口座名義（カナ）" in html
    assert "ｶ)ｳﾘｶｹ" in html
    assert not PayoutAccount.objects.exists()

    # "修正する" brings the form back with what was typed.
    edit = client.post(PAYOUT, {**account(holder_name="ウリカケ"), "edit": "1"}).content.decode()
    assert 'name="account_number"' in edit
    assert 'value="1234567"' in edit
    assert not PayoutAccount.objects.exists()


def test_a_character_the_bank_cannot_take_is_named(logged_in):
    owner, _org = make_org()
    response = logged_in(owner).post(PAYOUT, account(holder_name="ウリカケ＆カンパニー"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "『＆』(5文字目)は全銀の文字コードに変換できません" in html
    assert not PayoutAccount.objects.exists()


def test_mismatching_holder_name_is_a_warning_not_an_error(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    data = account(holder_name="ヤマダ タロウ")
    confirm = client.post(PAYOUT, data).content.decode()
    assert "一致していない可能性があります" in confirm
    assert "ﾔﾏﾀﾞ ﾀﾛｳ" in confirm
    # The applicant may still save it; the flag goes with the account for screening.
    response = client.post(PAYOUT, {**data, "confirmed": "True"})
    assert response.status_code == 302
    saved = PayoutAccount.objects.get()
    assert saved.holder_mismatch is True
    assert AuditRecord.objects.get(action="payout_account.added").payload["holder_mismatch"]


def test_sole_proprietor_gets_no_company_name_warning(logged_in):
    owner, _org = make_org(kind="sole_proprietor", name="", corporate_number="")
    confirm = logged_in(owner).post(PAYOUT, account(holder_name="ヤマダ タロウ"))
    assert "一致していない可能性" not in confirm.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"account_number": "12345678"}, "口座番号は7桁以内の数字で入力してください"),
        ({"account_number": "0000000"}, "口座番号が正しくありません"),
        ({"account_type": "9"}, 'class="errorlist'),  # その他 is not a payout account type
        ({"holder_name": "ア" * 31}, "上限の30文字を超えます"),
    ],
)
def test_account_details_are_validated(logged_in, overrides, message):
    owner, _org = make_org()
    response = logged_in(owner).post(PAYOUT, account(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PayoutAccount.objects.exists()


def test_account_number_is_encrypted_at_rest(logged_in):
    owner, org = make_org()
    saved = save_account(org, owner, account_number="7654321")
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number, account_number_last4 FROM applicants_payoutaccount")
        raw, last4 = cursor.fetchone()
    assert raw.startswith("fernet:")
    assert "7654321" not in raw
    assert decrypt_text(raw) == "7654321"
    assert last4 == "4321"
    assert PayoutAccount.objects.get(pk=saved.pk).account_number == "7654321"
    # Neither the audit trail nor the page shows the full number.
    assert "7654321" not in json.dumps(list(AuditRecord.objects.values_list("payload", flat=True)))
    page = logged_in(owner).get(PAYOUT).content.decode()
    assert "***4321" in page
    assert "7654321" not in page


def test_changing_the_account_requires_recent_reauthentication(
    logged_in, mailoutbox, django_capture_on_commit_callbacks
):
    owner, org = make_org()
    old = save_account(org, owner)
    client = logged_in(owner)

    # The onboarding page no longer edits: it shows the account and links to the change page.
    page = client.get(PAYOUT).content.decode()
    assert CHANGE in page
    client.post(PAYOUT, {**account(account_number="1111111"), "confirmed": "True"})
    assert PayoutAccount.objects.get().pk == old.pk

    # Not re-authenticated: to allauth's password prompt, and back here afterwards.
    response = client.get(CHANGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert "next=" in response.url

    # A POST without re-authentication changes nothing, and the account number is not kept
    # in the session for a later replay.
    new = {**account(bank_code="0005", branch_code="001", account_number="2222222")}
    response = client.post(CHANGE, {**new, "confirmed": "True"})
    assert response.status_code == 302
    assert response.url == CHANGE
    assert PayoutAccount.objects.get().pk == old.pk
    assert "2222222" not in json.dumps(dict(client.session.items()), default=str)

    # Re-enter the password, then the change goes through.
    reauth = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert reauth.status_code == 302
    assert client.get(CHANGE, {"bank": "0005", "branch": "001"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CHANGE, {**new, "confirmed": "True"})
    assert response.status_code == 302

    current = services.current_payout_account(org)
    assert current is not None
    assert current.pk != old.pk
    assert (current.bank_code, current.account_number) == ("0005", "2222222")
    old.refresh_from_db()
    assert old.replaced_at is not None  # kept for the payouts that name it
    record = AuditRecord.objects.get(action="payout_account.changed")
    assert record.payload["replaced_id"] == old.pk
    # The owner is told, in case it was not them.
    assert [m.to for m in mailoutbox] == [["owner@example.com"]]
    assert "振込先口座が変更されました" in mailoutbox[0].subject
    assert "2222222" not in mailoutbox[0].body


def test_wrong_password_does_not_unlock_the_change(logged_in):
    owner, org = make_org()
    save_account(org, owner)
    client = logged_in(owner)
    client.post(reverse("account_reauthenticate"), {"password": "wrong-password-entirely"})
    assert client.get(CHANGE).status_code == 302


def test_members_cannot_change_the_payout_account(logged_in):
    owner, org = make_org()
    save_account(org, owner)
    member = add_member(org, "member@example.com")
    client = logged_in(member)
    assert client.get(CHANGE).status_code == 403
    assert client.post(PAYOUT, {**account(), "confirmed": "True"}).status_code == 200
    assert PayoutAccount.objects.count() == 1


def test_first_account_needs_no_reauthentication_but_change_page_redirects_to_it(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert client.get(CHANGE).url == PAYOUT
