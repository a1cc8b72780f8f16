"""Debtors with a platform-wide identity; statement imports that are all-or-nothing and
recognise a repeated or overlapping statement (issue 4, items 1 and 3)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.receivables import services
from urikake.receivables.models import DebtorIdentity, StatementEntry, StatementImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(django_user_model):
    user = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="株式会社テスト")
    Membership.objects.create(user=user, organization=org, role="owner")
    return user, org


def _other_applicant(django_user_model):
    user = django_user_model.objects.create_user(email="other@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="合同会社ほか")
    Membership.objects.create(user=user, organization=org, role="owner")
    return user, org


def test_debtors_of_two_applicants_share_one_identity(applicant, django_user_model) -> None:
    user, org = applicant
    other_user, other_org = _other_applicant(django_user_model)
    a = services.register_debtor(
        org, acting_user=user, name="株式会社ヤマダ商事", name_kana="カブシキガイシャヤマダシヨウジ"
    )
    b = services.register_debtor(
        other_org, acting_user=other_user, name="ヤマダ商事(株)", name_kana="ヤマダシヨウジ(カ"
    )
    assert a.identity_id == b.identity_id
    assert DebtorIdentity.objects.count() == 1
    assert AuditRecord.objects.filter(action="debtor.registered").count() == 2


def test_corporate_number_is_the_identity_when_known(applicant) -> None:
    user, org = applicant
    debtor = services.register_debtor(
        org,
        acting_user=user,
        name="国税商事",
        name_kana="コクゼイシヨウジ",
        corporate_number="1180301018771",
    )
    assert debtor.identity.key == "cn:1180301018771"


def test_bad_corporate_number_and_duplicates_are_refused(applicant) -> None:
    user, org = applicant
    with pytest.raises(DomainError) as exc:
        services.register_debtor(
            org, acting_user=user, name="X", name_kana="エツクス", corporate_number="1180301018772"
        )
    assert exc.value.code == "corporate_number.check_digit"
    services.register_debtor(org, acting_user=user, name="ヤマダ", name_kana="ヤマダ")
    with pytest.raises(DomainError) as exc:
        services.register_debtor(org, acting_user=user, name="山田", name_kana="ヤマダ")
    assert exc.value.code == "debtor.duplicate"
    with pytest.raises(DomainError):
        services.register_debtor(org, acting_user=user, name="漢字だけ", name_kana="山田")


def _line(day: int, amount: int, payer: str, direction: Direction = Direction.DEPOSIT, n: int = 1):
    return StatementLine(
        value_date=date(2026, 10, day),
        direction=direction,
        amount=amount,
        counterparty=payer,
        reference=f"R{day:02d}{n}",
        line_number=n,
    )


def _statement(*lines: StatementLine) -> Statement:
    return Statement(
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


def test_import_stores_every_line_and_encrypts_the_account_number(applicant) -> None:
    user, org = applicant
    stmt = _statement(
        _line(5, 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"),
        _line(10, 55_000, "ﾃﾞﾝｷﾀﾞｲ", Direction.WITHDRAWAL, 2),
    )
    result = services.import_statement(org, stmt, acting_user=user, content=b"raw")
    assert not result.duplicate
    assert result.new_lines == 2
    assert result.statement.deposit_total == 330_000
    assert result.statement.withdrawal_total == 55_000
    assert StatementEntry.objects.filter(organization=org).count() == 2
    with connection.cursor() as cur:
        cur.execute(
            "SELECT account_number FROM receivables_statementimport WHERE id = %s",
            [result.statement.pk],
        )
        (raw,) = cur.fetchone()
    assert "1234567" not in raw
    assert result.statement.account_number == "1234567"


def test_the_same_statement_twice_is_recognised_not_doubled(applicant) -> None:
    user, org = applicant
    stmt = _statement(_line(5, 330_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"))
    first = services.import_statement(org, stmt, acting_user=user, content=b"a")
    audits = AuditRecord.objects.count()
    again = services.import_statement(org, stmt, acting_user=user, content=b"a")
    assert again.duplicate
    assert again.statement.pk == first.statement.pk
    assert StatementImport.objects.count() == 1
    assert StatementEntry.objects.count() == 1
    assert AuditRecord.objects.count() == audits


def test_overlapping_statements_add_each_movement_once(applicant) -> None:
    user, org = applicant
    services.import_statement(
        org,
        _statement(_line(5, 1000, "ｱ"), _line(6, 2000, "ｲ", n=2)),
        acting_user=user,
        content=b"1",
    )
    result = services.import_statement(
        org,
        _statement(_line(6, 2000, "ｲ", n=2), _line(7, 3000, "ｳ", n=3)),
        acting_user=user,
        content=b"2",
    )
    assert result.new_lines == 1
    assert StatementEntry.objects.count() == 3


def test_statements_of_other_organisations_do_not_collide(applicant, django_user_model) -> None:
    user, org = applicant
    other_user, other_org = _other_applicant(django_user_model)
    stmt = _statement(_line(5, 1000, "ｱ"))
    services.import_statement(org, stmt, acting_user=user, content=b"1")
    result = services.import_statement(other_org, stmt, acting_user=other_user, content=b"1")
    assert not result.duplicate
    assert StatementEntry.objects.filter(organization=other_org).count() == 1
