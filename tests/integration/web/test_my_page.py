"""My page as a dashboard, the contracts list, the 取引明細 and the 見積書 (issue 10, item 3):
each page and download against the numbers of a real deal (funded through the services,
its batch approved by a second treasury user and sent), reconciled with the ledger."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from tests.fixtures.deals import make_deal
from tests.integration.treasury.helpers import approved, funded_deal
from urikake.contracts import services as contracts
from urikake.domain import ledger as book
from urikake.domain.client_reports import apr_equivalent
from urikake.ledger.models import LedgerLeg
from urikake.servicing.models import Position
from urikake.treasury import payouts
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code
from urikake.web import dashboard

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    from tests.integration.treasury.test_my_treasury import _consent

    _consent(user)
    c = Client()
    c.force_login(user)
    return c


def _sent(deal: Any, staff: Any) -> Payout:
    advance = Payout.objects.get(application=deal.application, kind="advance")
    batch = payouts.build_batch(acting_user=staff, value_date=advance.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff)
    advance.refresh_from_db()
    return advance


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _csv(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def treasury_staff(django_user_model: Any) -> Any:
    from tests.integration.treasury.test_overdue import staff_user

    return staff_user(django_user_model, "treasury@staff.example")


@pytest.fixture
def funded(treasury_staff: Any) -> tuple[Any, Payout, Position]:
    deal = funded_deal(treasury_staff, "three_party")
    advance = _sent(deal, treasury_staff)
    return deal, advance, Position.objects.get(application=deal.application)


def test_dashboard_shows_funds_fees_apr_next_step_and_line(funded: Any) -> None:
    deal, advance, p = funded
    page = _client(deal.user).get("/my/")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    html = page.content.decode()
    assert f'id="funds-total">¥{advance.amount:,}<' in html
    on = advance.batch.value_date
    this_month = (
        advance.amount if (on.year, on.month) == (date.today().year, date.today().month) else 0
    )
    assert f'id="funds-month">¥{this_month:,}<' in html
    assert f"買取代金 ¥{advance.amount:,}" in html  # what the total is made of
    fees = p.fee + p.admin_fee
    assert f'id="fees-total">¥{fees:,}<' in html
    # The APR of the deal: fees over the cash received, payout date to expected collection.
    apr = apr_equivalent(p.advance_amount, fees, (p.expected_on - on).days)
    assert apr is not None
    assert apr > Decimal("0")
    assert f"{apr * 100:.1f}%" in html
    # The next step of the funded three-party deal, with its date in words.
    deadline = p.expected_on
    assert (
        f"売掛先から当社への入金をお待ちください（{deadline.month}月{deadline.day}日期日）" in html
    )
    # Credit line: limit, used (the open deal's face) and available.
    line = deal.organization.credit_line
    assert f"限度額 ¥{line.amount:,} ／ ご利用中 ¥{p.face_amount:,}" in html
    assert "契約書の一覧" in html
    assert "買取代金をお振込みしました" in html  # history, in words
    for raw in ("funded", "application.", "user:"):
        assert raw not in html.split("<main")[1], raw


def test_next_step_of_an_accepted_deal_is_to_sign_by_the_payout_date() -> None:
    deal = make_deal(product="two_party")
    contracts.prepare_contracts(deal.application, acting_user=deal.user)
    html = _client(deal.user).get("/my/").content.decode()
    payout = date.fromisoformat(deal.application.offer["payout_date"])
    assert f"契約書に署名してください（{payout.month}月{payout.day}日まで）" in html
    # The quote of its offer is linked.
    assert f"/my/quotes/{deal.application.pk}/pdf/" in html


def test_contracts_list_with_state_and_signed_pdf(funded: Any) -> None:
    deal, _, _ = funded
    other = make_deal()  # another organisation's contract never shows
    contracts.prepare_contracts(other.application, acting_user=other.user)
    response = _client(deal.user).get("/my/contracts/")
    assert response.status_code == 200
    html = response.content.decode()
    docs = contracts.documents_of(deal.application)
    assert docs
    for doc in docs:
        assert f"/my/contracts/documents/{doc.pk}/pdf/" in html
    for doc in contracts.documents_of(other.application):
        assert f"/my/contracts/documents/{doc.pk}/pdf/" not in html
    pdf = _client(deal.user).get(f"/my/contracts/documents/{docs[0].pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # Another organisation's applicant gets a 404 for this deal's PDF.
    assert _client(other.user).get(f"/my/contracts/documents/{docs[0].pk}/pdf/").status_code == 404


def test_statement_reconciles_with_payouts_and_ledger(funded: Any, monkeypatch: Any) -> None:
    deal, advance, p = funded
    on = advance.batch.value_date
    # After the day's cut-off the batch's value date is the next business day: the customer
    # reads the statement on that day (a period ending in the future is refused).
    monkeypatch.setattr(dashboard, "today", lambda: max(on, timezone.localdate()))
    query = {"start": (on - timedelta(days=3)).isoformat(), "end": on.isoformat()}
    client = _client(deal.user)
    page = client.get("/my/statement/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="statement-received">¥{advance.amount:,}<' in html
    assert f'id="statement-fees">¥{p.fee + p.admin_fee:,}<' in html

    # The ledger agrees: what left 未払金 for this client through payouts in the period.
    legs = LedgerLeg.objects.filter(
        account=book.client_payable(client_code(deal.organization.pk)),
        entry__entry_id__startswith="payout:",
        entry__date__range=(query["start"], query["end"]),
    )
    assert sum(leg.amount for leg in legs) == advance.amount

    response = client.get("/my/statement/csv/", query)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    rows = _csv(response)
    assert rows[0] == ["日付", "お取引", "請求書番号", "売掛先", "額面", "手数料", "お振込金額"]
    assert rows[1] == [
        on.isoformat(),
        "買取代金のお振込",
        deal.invoice.invoice_number,
        deal.debtor.name,
        str(p.face_amount),
        str(p.fee + p.admin_fee),
        str(advance.amount),
    ]
    assert rows[-1][0] == "合計"
    assert rows[-1][-1] == str(advance.amount)

    response = client.get("/my/statement/pdf/", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = _pdf_text(response.content)
    assert "取引明細書" in text
    assert f"¥{advance.amount:,}" in text
    assert deal.organization.name in text

    # A period without the payout has no rows, and a bad period is refused in Japanese.
    before = {"start": "2020-01-01", "end": "2020-01-31"}
    assert _csv(client.get("/my/statement/csv/", before))[-1][-1] == "0"
    bad = client.get("/my/statement/", {"start": "2026-02-01", "end": "2026-01-01"})
    assert bad.status_code == 400
    assert "開始日は終了日以前の日付にしてください" in bad.content.decode()
    future = (date.today() + timedelta(days=30)).isoformat()
    bad = client.get("/my/statement/", {"start": "2026-01-01", "end": future})
    assert "終了日は今日以前の日付にしてください" in bad.content.decode()
    assert client.get("/my/statement/", {"start": "x", "end": "y"}).status_code == 400
    assert (
        client.get("/my/statement/", {"start": "0001-01-01", "end": "2020-01-01"}).status_code
        == 400
    )
    # A download with a bad period goes back to the page with the message, nothing sent.
    assert client.get("/my/statement/pdf/", {"start": "x", "end": "y"}).status_code == 302


def test_quote_pdf_and_csv_carry_the_offer() -> None:
    deal = make_deal(accept=False)
    offer = deal.application.offer
    line = offer["invoices"][0]
    client = _client(deal.user)
    response = client.get(f"/my/quotes/{deal.application.pk}/csv/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    rows = _csv(response)
    assert rows[1][0] == deal.invoice.invoice_number
    assert rows[1][3] == str(line["face_amount"])
    assert rows[1][9] == str(line["net_payout"])
    apr = apr_equivalent(line["advance_amount"], line["fee"] + line["admin_fee"], line["days"])
    assert rows[1][11] == f"{apr * 100:.1f}%"

    response = client.get(f"/my/quotes/{deal.application.pk}/pdf/")
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "御見積書" in text
    assert f"¥{offer['net_payout']:,}" in text
    assert "融資" in text  # only to say it is not a loan
    assert "融資ではありません" in text


def test_no_quote_before_an_offer(funded: Any) -> None:
    deal, _, _ = funded
    draft = make_deal(accept=False, user=deal.user, organization=deal.organization)
    type(draft.application).objects.filter(pk=draft.application.pk).update(offer={})
    response = _client(deal.user).get(f"/my/quotes/{draft.application.pk}/pdf/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/my/applications/{draft.application.pk}/")


def test_dashboard_in_english(funded: Any) -> None:
    from django.conf import settings

    deal, _advance, p = funded
    client = _client(deal.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/my/").content.decode()
    assert "Funds received (total)" in html
    deadline = p.expected_on
    assert (
        "Your customer pays us directly; nothing to do "
        f"(due {deadline.month}/{deadline.day})" in html
    )
    assert "Purchase price transferred" in html  # the history, in English
    statement = client.get("/my/statement/").content.decode()
    assert "Download PDF" in statement


def test_a_draft_gets_an_estimate_across_the_plan_band() -> None:
    from django.utils import timezone

    from urikake.domain.invoices import InvoiceData
    from urikake.domain.money import format_rate_percent
    from urikake.domain.screening.pricing import price
    from urikake.receivables import services as receivables

    deal = make_deal(accept=False)
    data = InvoiceData(
        issuer_name=deal.organization.name,
        debtor_name=deal.debtor.name,
        invoice_number="EST-1",
        issue_date=deal.invoice.issue_date,
        due_date=deal.invoice.due_date,
        total_amount=2_200_000,
    )
    invoice = receivables.register_invoice(
        deal.organization, data, acting_user=deal.user, debtor=deal.debtor, source="form"
    )
    draft = receivables.create_application(
        deal.organization, acting_user=deal.user, product="three_party", invoices=[invoice]
    )
    assert draft.status == "draft"
    client = _client(deal.user)
    assert f"/my/quotes/{draft.pk}/pdf/" in client.get("/my/").content.decode()
    response = client.get(f"/my/quotes/{draft.pk}/csv/")
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[1][:4] == ["EST-1", deal.debtor.name, data.due_date.isoformat(), "2200000"]
    # The range is the pricing the screening will use, at the best and the worst grade.
    now = timezone.localtime()
    best, worst = (price(data, product=draft.spec.id, grade=g, now=now) for g in ("A", "E"))
    assert rows[1][4:6] == [format_rate_percent(best.fee_rate), format_rate_percent(worst.fee_rate)]
    assert rows[1][4] != rows[1][5]
    assert rows[1][8:10] == [str(worst.net_payout), str(best.net_payout)]
    pdf = client.get(f"/my/quotes/{draft.pk}/pdf/")
    assert pdf.status_code == 200
    text = _pdf_text(pdf.content)
    assert "概算御見積書" in text
    assert "融資ではありません" in text


def test_funds_received_say_what_they_are_made_of(funded: Any, treasury_staff: Any) -> None:
    """A loan drawn is not money from a purchase: the card adds it to the total and names it
    in the breakdown (the demo client's card counted its loan draw as if bought). The loan's
    transfer is queued and sent the way a draw's is (treasury batch, two people)."""
    from urikake.applicants.services import current_payout_account
    from urikake.treasury.policy import payout_queue_date

    deal, advance, _ = funded
    account = current_payout_account(deal.organization)
    assert account is not None
    loan = Payout.objects.create(
        organization=deal.organization,
        kind=Payout.Kind.LOAN,
        amount=500_000,
        requested_for=payout_queue_date(),
        **Payout.beneficiary(account),
    )
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=loan.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    html = _client(deal.user).get("/my/").content.decode()
    assert f'id="funds-total">¥{advance.amount + 500_000:,}<' in html
    assert f"買取代金 ¥{advance.amount:,} ／ 担保融資の実行 ¥500,000" in html
    client = _client(deal.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/my/").content.decode()
    breakdown = english.split('id="funds-breakdown">')[1].split("</p>")[0]
    assert breakdown == f"Made up of: Purchase price ¥{advance.amount:,} ／ Loan drawdown ¥500,000"


def test_the_home_shows_the_newest_open_deals_and_leaves_finished_ones_out(
    funded: Any, monkeypatch: Any, settings: Any
) -> None:
    deal, _advance, position = funded
    # the funded deal is listed while its purchase is open…
    html = _client(deal.user).get("/my/").content.decode()
    assert deal.application.invoices.get().invoice_number in html
    # …and not once it is collected (left out by the query, not read and dropped)
    Position.objects.filter(pk=position.pk).update(status=Position.Status.COLLECTED)
    assert dashboard.open_deals(deal.organization, today=date.today()) == []
    # three offers of the same client: the home shows the newest two and links to all
    numbers = [f"NEWEST-{i}" for i in range(3)]
    for i, number in enumerate(numbers):
        make_deal(  # amounts and due dates differ: not near-duplicates for the screening
            user=deal.user,
            organization=deal.organization,
            invoice_number=number,
            amount=300_000 + 10_000 * i,  # within the credit line
            due_days=50 + i,
            accept=False,
            product="two_party",
        )
    monkeypatch.setattr(dashboard, "OPEN_DEALS_SHOWN", 2)
    client = _client(deal.user)
    html = client.get("/my/").content.decode()
    assert "NEWEST-2" in html
    assert "NEWEST-1" in html
    assert "NEWEST-0" not in html
    assert "新しい順に2件を表示しています。" in html
    assert 'href="/my/applications/">すべてのお申込みを見る</a>' in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/my/").content.decode()
    assert "Showing the 2 newest." in html
    assert "See all applications" in html
    # with room for all three, no note
    monkeypatch.setattr(dashboard, "OPEN_DEALS_SHOWN", 3)
    html = _client(deal.user).get("/my/").content.decode()
    assert "NEWEST-0" in html
    assert "新しい順に" not in html
