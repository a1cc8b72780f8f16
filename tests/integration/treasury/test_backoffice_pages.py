"""Back-office treasury pages: perfection steps, funding, batch, statement import, queue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    contracted_deal,
    paid_on,
    second_treasury_user,
    statement_file,
)
from urikake.servicing.models import Position
from urikake.treasury.models import Deposit, PayerLink, Payout, PayoutBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(treasury_staff) -> Client:
    client = Client()
    client.force_login(treasury_staff)
    return client


def test_operator_takes_a_deal_from_perfection_to_reconciliation(staff_client) -> None:
    deal = contracted_deal(amount=1_200_000)
    pk = deal.application.pk
    page = staff_client.get(f"/backoffice/treasury/deals/{pk}/")
    assert "確定日付のある債権譲渡通知" in page.content.decode()
    refused = staff_client.post(f"/backoffice/treasury/deals/{pk}/fund/", follow=True)
    assert "対抗要件" in refused.content.decode()
    assert not Payout.objects.exists()
    bad = staff_client.post(
        f"/backoffice/treasury/deals/{pk}/", {"step": "notice_delivered", "on": "2026-11-20"}
    )
    assert "この操作はできません" in bad.content.decode()
    staff_client.post(
        f"/backoffice/treasury/deals/{pk}/",
        {"step": "notice_sent", "on": "2026-11-20", "certified_date": "2026-11-20"},
    )
    staff_client.post(
        f"/backoffice/treasury/deals/{pk}/", {"step": "notice_delivered", "on": "2026-11-21"}
    )
    staff_client.post(f"/backoffice/treasury/deals/{pk}/fund/")
    payout = Payout.objects.get()
    response = staff_client.post(
        "/backoffice/treasury/payouts/", {"value_date": payout.requested_for.isoformat()}
    )
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/batches/{batch.pk}/")
    detail = staff_client.get(f"/backoffice/treasury/batches/{batch.pk}/").content.decode()
    assert "再作成したデータと完全に一致" in detail
    assert "承認待ち" in detail
    assert 'id="download-batch"' not in detail
    # Dual control: the preparer cannot download, send or approve its own batch.
    early = staff_client.get(f"/backoffice/treasury/batches/{batch.pk}/file", follow=True)
    assert "まだ承認されていません" in early.content.decode()
    assert early.get("Content-Disposition") is None
    staff_client.post(f"/backoffice/treasury/batches/{batch.pk}/sent/")
    own = staff_client.post(f"/backoffice/treasury/batches/{batch.pk}/approve/", follow=True)
    assert "同じデータを承認できません" in own.content.decode()
    batch.refresh_from_db()
    assert batch.status == "generated"
    second = Client()
    second.force_login(second_treasury_user())
    listing = second.get("/backoffice/treasury/").content.decode()
    assert 'id="batches-awaiting-approval">1<' in listing
    second.post(f"/backoffice/treasury/batches/{batch.pk}/approve/")
    detail = staff_client.get(f"/backoffice/treasury/batches/{batch.pk}/").content.decode()
    assert second_treasury_user().email in detail
    assert "treasury@staff.example" in detail
    file = staff_client.get(f"/backoffice/treasury/batches/{batch.pk}/file")
    assert file.content == bytes(batch.file_content)
    staff_client.post(f"/backoffice/treasury/batches/{batch.pk}/sent/")
    batch.refresh_from_db()
    assert batch.status == "sent"
    assert batch.approved_by == second_treasury_user()
    purchase = Position.objects.get()
    # The debtor pays from its parent company: only a suggestion, then the operator confirms.
    content = statement_file([(paid_on(purchase), purchase.face_amount, "ｶ)ｵﾔｶﾞｲｼﾔﾎｰﾙﾃﾞｨﾝｸﾞｽ")])
    upload = SimpleUploadedFile("stmt.txt", content)
    staff_client.post("/backoffice/treasury/deposits/", {"file": upload, "file_format": "zengin"})
    deposit = Deposit.objects.get()
    assert deposit.status == "suggested", deposit.reason
    queue = staff_client.get("/backoffice/treasury/deposits/?status=suggested").content.decode()
    assert "ｵﾔｶﾞｲｼﾔ" in queue
    # the row's state in words (labelled once per list: receivables.choice_labels)
    assert f'<td class="status">{deposit.get_status_display()}</td>' in queue
    staff_client.post(
        f"/backoffice/treasury/deposits/{deposit.pk}/",
        {"confirm": "1", "purchase_ids": [purchase.pk], "remember_payer": "on"},
    )
    deposit.refresh_from_db()
    assert deposit.status == "confirmed"
    assert PayerLink.objects.filter(debtor=purchase.debtor).exists()
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert Payout.objects.filter(kind="reserve", amount=purchase.holdback).exists()
    assert DEBTOR_PAYER  # the debtor's own name is what a direct payment would carry


def test_remembered_payer_matches_automatically_next_time(staff_client, treasury_staff) -> None:
    from tests.integration.treasury.helpers import funded_deal
    from urikake.treasury import collections

    first = funded_deal(treasury_staff, amount=1_300_000)
    second = funded_deal(treasury_staff, amount=1_400_000)
    p1 = first.application.purchases.get()
    p2 = second.application.purchases.get()
    parent = "ｶ)ｵﾔｶﾞｲｼﾔﾎｰﾙﾃﾞｨﾝｸﾞｽ"
    collections.import_collection_statement(
        statement_file([(paid_on(p1), p1.face_amount, parent)]),
        filename="a.txt",
        acting_user=treasury_staff,
    )
    assert collections.run_reconciliation().suggested == 1
    deposit = Deposit.objects.get()
    collections.confirm_suggestion(deposit, purchase_ids=[p1.pk], acting_user=treasury_staff)
    collections.import_collection_statement(
        statement_file([(paid_on(p2), p2.face_amount, parent)]),
        filename="b.txt",
        acting_user=treasury_staff,
    )
    summary = collections.run_reconciliation()
    assert summary.auto == 1, Deposit.objects.order_by("-pk").first().reason
    p2.refresh_from_db()
    assert p2.status == "collected"


def test_pages_refuse_other_staff_roles(django_user_model) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    reviewer = django_user_model.objects.create_user(
        email="rev@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    EmailAddress.objects.create(user=reviewer, email=reviewer.email, verified=True, primary=True)
    TOTP.activate(reviewer, generate_totp_secret())
    client = Client()
    client.force_login(reviewer)
    assert client.get("/backoffice/treasury/payouts/").status_code == 403


def test_tie_out_page_renders_the_period(staff_client) -> None:
    page = staff_client.get("/backoffice/treasury/tie-out/?date_from=2026-11-01&date_to=2026-11-30")
    assert page.status_code == 200
    html = page.content.decode()
    assert "預金残高照合" in html
    assert "この期間の入出金はありません" in html
    bad = staff_client.get("/backoffice/treasury/tie-out/?date_from=2026-12-01&date_to=2026-11-01")
    assert "開始日が終了日より後" in bad.content.decode()


def test_tie_out_defaults_to_this_month_to_today_in_tokyo(staff_client, settings) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "UTC"  # the server's zone must not move the business date
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    html = staff_client.get("/backoffice/treasury/tie-out/").content.decode()
    assert f"照合期間: {today.replace(day=1):%Y-%m-%d} 〜 {today:%Y-%m-%d}" in html
    assert f'value="{today.replace(day=1):%Y-%m-%d}"' in html


def test_application_page_leads_to_signing_and_then_to_the_contracts() -> None:
    from tests.fixtures.deals import make_deal
    from tests.integration.contracts.conftest import owner_client

    deal = make_deal()
    client = owner_client(deal)
    url = f"/my/applications/{deal.application.pk}/"
    html = client.get(url).content.decode()
    assert f"/my/contracts/{deal.application.pk}/" in html
    assert "契約書類を確認して署名する" in html


def test_operator_pulls_the_collection_account_from_the_bank_api(staff_client, settings) -> None:
    from urikake.integrations.bank.simulator import BankApiSimulator, SimulatedAccount

    today = timezone.localdate()
    account = SimulatedAccount(
        "acc_platform", account_number="7654321", opened=today.replace(day=1)
    )
    simulator = BankApiSimulator("127.0.0.1", 0, token="t" * 32, accounts=[account])
    simulator.start()
    settings.BANK_API_URL = simulator.url
    settings.BANK_API_TOKEN = "t" * 32
    try:
        simulator.add_transaction(
            "acc_platform",
            {"value_date": today.isoformat(), "amount": 98_765, "counterparty": "ﾅｿﾞﾉｼﾔ"},
        )
        page = staff_client.post(
            "/backoffice/treasury/deposits/pull/",
            {
                "account_id": "acc_platform",
                "date_from": today.replace(day=1).isoformat(),
                "date_to": today.isoformat(),
            },
            follow=True,
        )
        wrong = staff_client.post(
            "/backoffice/treasury/deposits/pull/",
            {"account_id": "nope", "date_from": today.isoformat(), "date_to": today.isoformat()},
            follow=True,
        )
    finally:
        simulator.stop()
    assert "銀行APIから入金" in page.content.decode()
    assert Deposit.objects.filter(amount=98_765, status="unmatched").exists()
    assert "銀行API" in wrong.content.decode()


def test_dashboard_lists_upcoming_collections(staff_client, treasury_staff) -> None:
    from tests.integration.treasury.helpers import funded_deal

    deal = funded_deal(treasury_staff, amount=1_250_000, due_days=20)
    html = staff_client.get("/backoffice/treasury/").content.decode()
    assert "今後30日の回収予定" in html
    assert deal.invoice.invoice_number in html
    assert "¥1,250,000" in html


def test_the_deposits_table_prints_each_row(staff_client, treasury_staff) -> None:
    # The table is read as plain rows (deposit_rows); it prints what the model rows printed.
    from datetime import date

    from urikake.treasury.models import CollectionStatement

    statement = CollectionStatement.objects.create(
        source_format="zengin", filename="s.txt", sha256="0" * 64, imported_by=treasury_staff
    )
    made = [
        Deposit.objects.create(
            statement=statement,
            line_key=f"k{n}",
            value_date=day,
            amount=amount,
            payer_kana=kana,
            status=status,
            reason_ja=reason,
        )
        for n, (day, amount, kana, status, reason) in enumerate(
            [
                (date(2026, 11, 30), 1_234_567, "ｶ)ｳﾘｶｹ<&>", "suggested", "金額が一致しません <b>"),
                (date(2026, 12, 1), 50, "ﾔﾏﾀﾞ ﾀﾛｳ", "suggested", ""),
                (date(2026, 12, 1), 9_000, "ｽｽﾞｷ", "auto", "自動消込"),
            ]
        )
    ]
    suggested = staff_client.get("/backoffice/treasury/deposits/").content.decode()
    first, second, matched = made
    assert (
        f'<tr><td><a href="/backoffice/treasury/deposits/{second.pk}/">#{second.pk}</a></td>'
        "<td>2026-12-01</td><td>ﾔﾏﾀﾞ ﾀﾛｳ</td><td>¥50</td>"
        '<td class="status">確認待ち（候補あり）</td><td></td></tr>'
        f'<tr><td><a href="/backoffice/treasury/deposits/{first.pk}/">#{first.pk}</a></td>'
        "<td>2026-11-30</td><td>ｶ)ｳﾘｶｹ&lt;&amp;&gt;</td><td>¥1,234,567</td>"
        '<td class="status">確認待ち（候補あり）</td><td>金額が一致しません &lt;b&gt;</td></tr>'
    ) in suggested
    assert f"#{matched.pk}<" not in suggested
    everything = staff_client.get("/backoffice/treasury/deposits/?status=all").content.decode()
    assert everything.index(f"#{matched.pk}<") < everything.index(f"#{second.pk}<")
    assert everything.index(f"#{second.pk}<") < everything.index(f"#{first.pk}<")
    nothing = staff_client.get("/backoffice/treasury/deposits/?status=unknown").content.decode()
    assert "該当する入金はありません。" in nothing
