"""The reviewer's page of a referred application (issue 10 item 4): the uploaded invoice file,
the proposed price line by line (fee, advance, holdback, APR), the screening reasons with
codes and scores, and the eKYC result — and the applicant's own page shows none of the codes
or scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.integration.backoffice.helpers import client_for, staff_user
from tests.integration.receivables.test_screening_flow import _history, _invoice, _verified_org
from urikake.domain.money import format_rate_percent, format_yen
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def referred(django_user_model: Any, settings: Any, tmp_path: Any) -> FinancingApplication:
    settings.MEDIA_ROOT = tmp_path
    user, org = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    _history(org, user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    debtor = services.register_debtor(
        org,
        acting_user=user,
        name="株式会社ヤマダ商事",
        name_kana="カブシキガイシャヤマダシヨウジ",
        corporate_number="1180301018771",
    )
    invoice = services.register_invoice(
        org,
        _invoice("A-001", amount=9_000_000),  # above the auto-approve limit → referred
        acting_user=user,
        debtor=debtor,
        source="pdf",
        evidence=b"%PDF-1.4 the invoice",
        evidence_name="seikyu.pdf",
    )
    app = services.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    services.submit_application(app, acting_user=user)
    screen_application.call(app.pk)
    app = FinancingApplication.objects.get(pk=app.pk)
    assert app.status == "referred", app.screening_result
    return app


def test_reviewer_sees_file_price_reasons_scores_and_kyc(referred: FinancingApplication) -> None:
    client = client_for(staff_user("reviewer"))
    response = client.get(f"/backoffice/screening/{referred.pk}/")
    html = response.content.decode()
    invoice = referred.invoices.get()
    assert f"/backoffice/invoices/{invoice.pk}/file/" in html
    pdf = client.get(f"/backoffice/invoices/{invoice.pk}/file/")
    assert pdf.content == b"%PDF-1.4 the invoice"
    ((_inv, line),) = response.context["invoices"]
    assert line, "the referred invoice carries its proposed price"
    for yen in ("fee", "advance_amount", "holdback", "net_payout"):
        assert format_yen(line[yen]) in html, yen
    assert format_rate_percent(Decimal(line["apr"]), 2) in html
    assert format_rate_percent(Decimal(line["fee_rate"]), 2) in html
    explained = referred.screening_result["invoices"][0]
    for reason in explained["reasons"]:
        assert reason["code"] in html
    for risk in explained["risks"]:
        assert f"<td>{risk['score']}</td>" in html
    assert "本人確認（eKYC）の結果" in html
    assert "確認済み" in html
    assert ">high<" not in html  # risk levels in Japanese
    assert ">low<" not in html


def test_the_applicant_sees_no_codes_or_scores(referred: FinancingApplication) -> None:
    client = Client()
    client.force_login(referred.created_by)
    html = client.get(f"/my/applications/{referred.pk}/").content.decode()
    explained = referred.screening_result["invoices"][0]
    for reason in explained["reasons"]:
        assert reason["code"] not in html
    assert "/backoffice/invoices/" not in html


def test_the_invoice_file_is_not_for_applicants(referred: FinancingApplication) -> None:
    client = Client()
    client.force_login(referred.created_by)
    invoice = referred.invoices.get()
    assert client.get(f"/backoffice/invoices/{invoice.pk}/file/").status_code == 403
