"""Applicant pages: upload bank statements (Zengin and CSV), register debtors."""

from __future__ import annotations

from datetime import date

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.fixtures.clients import applicant_client
from urikake.applicants.models import Membership, Organization
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_statement_file
from urikake.receivables.models import Debtor, StatementEntry, StatementImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(django_user_model) -> Client:
    user = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    org = Organization.objects.create(kind="corporation", name="株式会社テスト")
    Membership.objects.create(user=user, organization=org, role="owner")
    return applicant_client(user)


def _zengin_file() -> bytes:
    lines = tuple(
        StatementLine(
            value_date=date(2026, 10, d),
            direction=Direction.DEPOSIT,
            amount=110_000 * d,
            counterparty="ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ",
            reference=f"{d:08d}",
            line_number=i + 2,
        )
        for i, d in enumerate((5, 15, 25))
    )
    statement = Statement(
        source=SourceFormat.ZENGIN_STATEMENT,
        bank_code="0001",
        branch_code="001",
        account_type=1,
        account_number="1234567",
        account_name="ｶ)ﾃｽﾄ",
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        lines=lines,
    )
    return write_statement_file(statement, created=date(2026, 11, 1))


def test_upload_a_zengin_statement_then_the_same_again(owner_client: Client) -> None:
    data = _zengin_file()
    post = lambda: owner_client.post(  # noqa: E731
        "/my/statements/",
        {"file_format": "zengin", "statement": SimpleUploadedFile("meisai.txt", data)},
        follow=True,
    )
    first = post().content.decode()
    assert "3件の明細を取り込みました" in first
    again = post().content.decode()
    assert "すでに取り込まれています" in again
    assert StatementImport.objects.count() == 1
    assert StatementEntry.objects.count() == 3


def test_a_broken_file_is_refused_with_the_line_and_nothing_is_stored(owner_client: Client) -> None:
    data = bytearray(_zengin_file())
    data[202 + 10] = ord("X")  # a digit of the first data record's 照会番号/日付 area
    response = owner_client.post(
        "/my/statements/",
        {"file_format": "zengin", "statement": SimpleUploadedFile("meisai.txt", bytes(data))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "行目" in html
    assert StatementImport.objects.count() == 0


def test_upload_a_csv_statement(owner_client: Client) -> None:
    csv = "value_date,amount,payer_kana,direction\n2026-10-05,330000,ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ,deposit\n"
    response = owner_client.post(
        "/my/statements/",
        {"file_format": "urikake_simple", "statement": SimpleUploadedFile("m.csv", csv.encode())},
        follow=True,
    )
    assert "1件の明細を取り込みました" in response.content.decode()


def test_register_a_debtor_with_a_bad_corporate_number_then_a_good_one(
    owner_client: Client,
) -> None:
    form = {
        "name": "国税商事",
        "name_kana": "コクゼイシヨウジ",
        "corporate_number": "1180301018772",
    }
    html = owner_client.post("/my/debtors/", form).content.decode()
    assert "チェックデジット" in html
    assert not Debtor.objects.exists()
    form["corporate_number"] = "1180301018771"
    owner_client.post("/my/debtors/", form)
    assert Debtor.objects.get().identity.key == "cn:1180301018771"


def test_several_statement_files_at_once_each_all_or_nothing(owner_client: Client) -> None:
    good = _zengin_file()
    bad = bytearray(good)
    bad[202 + 10] = ord("X")
    response = owner_client.post(
        "/my/statements/",
        {
            "file_format": "zengin",
            "statement": [
                SimpleUploadedFile("ok.txt", good),
                SimpleUploadedFile("broken.txt", bytes(bad)),
            ],
        },
    )
    html = response.content.decode()
    assert "broken.txt" in html
    assert "行目" in html
    assert StatementImport.objects.count() == 1  # the good file went in, the broken one did not
    assert StatementEntry.objects.count() == 3
