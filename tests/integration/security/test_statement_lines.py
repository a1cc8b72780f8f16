"""Statement lines: identical lines of one file are all kept (only a line already imported
from an earlier file is a duplicate), and lines dated after today are refused, never applied.

Applicants' statements (``/my/statements/``) and the platform's collection statements (the
back office's 回収口座 import), CSV and 全銀 files alike.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import verified_applicant
from urikake.audit.models import AuditRecord
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_statement_file
from urikake.ledger import services as ledger
from urikake.ledger.models import LedgerEntry
from urikake.receivables.models import StatementEntry, StatementImport
from urikake.treasury.models import AccountMovement, CollectionStatement, Deposit

pytestmark = pytest.mark.django_db

HEADER = "value_date,amount,payer_kana,direction\n"
ROW = "2026-10-05,77000,ﾃﾞﾕﾌﾟ,deposit\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def _zengin(lines: int, *, account: str = "7654321", day: date = date(2026, 10, 5)) -> bytes:
    same = StatementLine(day, Direction.DEPOSIT, 77_000, "ﾃﾞﾕﾌﾟ", line_number=1)
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, account, "ｶ)ｳﾘｶｹ", day, day,
        (same,) * lines,
    )  # fmt: skip
    return write_statement_file(statement, created=day)


@pytest.fixture
def owner() -> Client:
    user, _ = verified_applicant()
    return applicant_client(user)


@pytest.fixture
def treasury(django_user_model) -> Client:
    user = django_user_model.objects.create_user(
        email="t@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, data: bytes, file_format: str, name: str = "m.csv") -> str:
    response = client.post(
        "/my/statements/",
        {"file_format": file_format, "statement": SimpleUploadedFile(name, data)},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def _collect(client: Client, data: bytes, file_format: str, name: str = "c.csv") -> str:
    response = client.post(
        "/backoffice/treasury/deposits/",
        {"file": SimpleUploadedFile(name, data), "file_format": file_format},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def _total(qs) -> int:
    return qs.aggregate(total=Sum("amount"))["total"] or 0


# --- identical lines --------------------------------------------------------------------------


def test_three_identical_csv_lines_are_three_movements(owner: Client) -> None:
    html = _upload(owner, _csv(ROW, ROW, ROW), "urikake_simple")
    assert "3件の明細を取り込みました（うち新しい明細 3件）" in html
    assert StatementEntry.objects.count() == 3
    assert _total(StatementEntry.objects) == 231_000
    assert StatementImport.objects.get().deposit_total == 231_000
    # A later, overlapping file with the same three and a fourth equal deposit adds one.
    html = _upload(
        owner, _csv(ROW, ROW, ROW, ROW, "2026-10-06,5000,ﾍﾞﾂ,deposit\n"), "urikake_simple"
    )
    assert "5件の明細を取り込みました（うち新しい明細 2件）" in html
    assert StatementEntry.objects.count() == 5
    assert _total(StatementEntry.objects) == 77_000 * 4 + 5_000
    # The first file again is recognised and changes nothing.
    assert "すでに取り込まれています" in _upload(owner, _csv(ROW, ROW, ROW), "urikake_simple")
    assert StatementEntry.objects.count() == 5


def test_identical_lines_of_a_zengin_file_are_all_kept(owner: Client) -> None:
    html = _upload(owner, _zengin(3), "zengin", "meisai.txt")
    assert "3件の明細を取り込みました（うち新しい明細 3件）" in html
    assert _total(StatementEntry.objects) == 231_000


def test_identical_deposits_on_the_collection_account_are_all_booked(treasury: Client) -> None:
    _collect(treasury, _csv(ROW, ROW, ROW), "urikake_simple")
    assert Deposit.objects.count() == 3
    assert _total(Deposit.objects) == 231_000
    assert _total(AccountMovement.objects) == 231_000
    assert ledger.balance("suspense") == -231_000
    # Overlapping: the three again plus one more equal deposit → one new deposit.
    _collect(treasury, _csv(ROW, ROW, ROW, ROW), "urikake_simple", "c2.csv")
    assert Deposit.objects.count() == 4
    assert ledger.balance("suspense") == -308_000
    assert ledger.trial_balance().balanced


def test_identical_deposits_in_a_zengin_collection_file(treasury: Client) -> None:
    _collect(treasury, _zengin(2), "zengin", "z.txt")
    assert Deposit.objects.count() == 2
    _collect(treasury, _zengin(3), "zengin", "z3.txt")  # the same day, one more arrived
    assert Deposit.objects.count() == 3
    assert _total(Deposit.objects) == 231_000


# --- lines dated after today --------------------------------------------------------------------


def _future_csv() -> bytes:
    today = timezone.localdate()
    return _csv(
        f"{today.isoformat()},1000,ｷﾖｳ,deposit\n",
        f"{(today + timedelta(days=61)).isoformat()},77000,ﾃﾞﾕﾌﾟ,deposit\n",
    )


def test_an_applicant_statement_with_a_future_line_is_refused(owner: Client) -> None:
    audits = AuditRecord.objects.count()
    html = _upload(owner, _future_csv(), "urikake_simple")
    assert "本日" in html
    assert "まだ入出金されていない明細は取り込めません" in html
    assert "3行目" in html  # the header is line 1
    assert not StatementImport.objects.exists()
    assert not StatementEntry.objects.exists()
    assert AuditRecord.objects.count() == audits


def test_a_collection_statement_with_a_future_line_is_neither_booked_nor_reconciled(
    treasury: Client,
) -> None:
    entries = LedgerEntry.objects.count()
    html = _collect(treasury, _future_csv(), "urikake_simple")
    assert "まだ入出金されていない明細は取り込めません" in html
    assert not CollectionStatement.objects.exists()
    assert not Deposit.objects.exists()
    assert not AccountMovement.objects.exists()
    assert LedgerEntry.objects.count() == entries
    future = timezone.localdate() + timedelta(days=1)
    html = _collect(treasury, _zengin(1, day=future), "zengin", "z.txt")
    assert "まだ入出金されていない明細は取り込めません" in html
    assert not Deposit.objects.exists()
