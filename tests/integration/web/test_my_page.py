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

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import make_deal
from tests.integration.treasury.helpers import approved, funded_deal, sent_loan
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
    page = applicant_client(deal.user).get("/my/")
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
    html = applicant_client(deal.user).get("/my/").content.decode()
    payout = date.fromisoformat(deal.application.offer["payout_date"])
    assert f"契約書に署名してください（{payout.month}月{payout.day}日まで）" in html
    # The quote of its offer is linked.
    assert f"/my/quotes/{deal.application.pk}/pdf/" in html


def test_contracts_list_with_state_and_signed_pdf(funded: Any) -> None:
    deal, _, _ = funded
    other = make_deal()  # another organisation's contract never shows
    contracts.prepare_contracts(other.application, acting_user=other.user)
    response = applicant_client(deal.user).get("/my/contracts/")
    assert response.status_code == 200
    html = response.content.decode()
    docs = contracts.documents_of(deal.application)
    assert docs
    for doc in docs:
        assert f"/my/contracts/documents/{doc.pk}/pdf/" in html
    for doc in contracts.documents_of(other.application):
        assert f"/my/contracts/documents/{doc.pk}/pdf/" not in html
    pdf = applicant_client(deal.user).get(f"/my/contracts/documents/{docs[0].pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # Another organisation's applicant gets a 404 for this deal's PDF.
    other_client = applicant_client(other.user)
    assert other_client.get(f"/my/contracts/documents/{docs[0].pk}/pdf/").status_code == 404


def test_statement_reconciles_with_payouts_and_ledger(funded: Any, monkeypatch: Any) -> None:
    deal, advance, p = funded
    on = advance.batch.value_date
    # After the day's cut-off the batch's value date is the next business day: the customer
    # reads the statement on that day (a period ending in the future is refused).
    monkeypatch.setattr(dashboard, "today", lambda: max(on, timezone.localdate()))
    query = {"start": (on - timedelta(days=3)).isoformat(), "end": on.isoformat()}
    client = applicant_client(deal.user)
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
    client = applicant_client(deal.user)
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
    response = applicant_client(deal.user).get(f"/my/quotes/{draft.application.pk}/pdf/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/my/applications/{draft.application.pk}/")


def test_dashboard_in_english(funded: Any) -> None:
    from django.conf import settings

    deal, _advance, p = funded
    client = applicant_client(deal.user)
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
    client = applicant_client(deal.user)
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
    deal, advance, _ = funded
    sent_loan(deal.organization, treasury_staff)
    html = applicant_client(deal.user).get("/my/").content.decode()
    assert f'id="funds-total">¥{advance.amount + 500_000:,}<' in html
    assert f"買取代金 ¥{advance.amount:,} ／ 担保融資の実行 ¥500,000" in html
    client = applicant_client(deal.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/my/").content.decode()
    breakdown = english.split('id="funds-breakdown">')[1].split("</p>")[0]
    assert breakdown == f"Made up of: Purchase price ¥{advance.amount:,} ／ Loan drawdown ¥500,000"


def test_the_home_shows_the_newest_open_deals_and_leaves_finished_ones_out(
    funded: Any, monkeypatch: Any, settings: Any
) -> None:
    deal, _advance, position = funded
    # the funded deal is listed while its purchase is open…
    html = applicant_client(deal.user).get("/my/").content.decode()
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
    client = applicant_client(deal.user)
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
    html = applicant_client(deal.user).get("/my/").content.decode()
    assert "NEWEST-0" in html
    assert "新しい順に" not in html


def _funded_deals(first: Any, staff: Any, n: int, *, start: int = 0) -> list[Any]:
    """``n`` more funded deals of ``first``'s client, each through the services (screened,
    contracted, perfected, funded, its advance sent in a batch), amounts and due dates apart
    (not near-duplicates for the screening) and small enough to stay within the credit line."""
    deals = []
    for i in range(start, start + n):
        deal = funded_deal(
            staff,
            "three_party",
            user=first.user,
            organization=first.organization,
            invoice_number=f"MANY-{i:02d}",
            amount=50_000 + 1_000 * i,
            due_days=30 + i,
        )
        _sent(deal, staff)
        deals.append(deal)
    return deals


def _dashboard_figures(org: Any) -> dict[str, int]:
    """The card's figures summed over ALL the organisation's payouts and funded purchases."""
    today = timezone.localdate()
    received = [
        (p.batch.value_date if p.batch else p.requested_for, p.amount, p.kind)
        for p in Payout.objects.filter(organization=org, status="sent", debit_account="")
    ]
    funded_apps = set(
        Payout.objects.filter(organization=org, status="sent", kind="advance").values_list(
            "application_id", flat=True
        )
    )
    return {
        "total": sum(amount for _, amount, _ in received),
        "month": sum(
            a for on, a, _ in received if (on.year, on.month) == (today.year, today.month)
        ),
        "advance": sum(a for _, a, kind in received if kind == "advance"),
        "fees": sum(
            p.fee + p.admin_fee
            for p in Position.objects.filter(organization=org, application_id__in=funded_apps)
        ),
        "count": Position.objects.filter(organization=org, application_id__in=funded_apps).count(),
    }


def test_the_fee_table_shows_the_newest_deals_and_the_figures_count_them_all(
    funded: Any, treasury_staff: Any, settings: Any
) -> None:
    """A client in business for years: the fee table lists the newest ten funded deals and
    says so, linking to the 取引明細; the figures above it are over every deal."""
    from urikake.treasury.models import PayoutBatch

    deal, advance, _ = funded
    _funded_deals(deal, treasury_staff, 24)  # 25 funded deals in all
    # the first one received before this month (its batch's value date, not the day it was
    # requested for, is the day it came in)
    PayoutBatch.objects.filter(pk=advance.batch_id).update(
        value_date=timezone.localdate().replace(day=1) - timedelta(days=1)
    )
    figures = _dashboard_figures(deal.organization)
    assert figures["count"] == 25
    assert figures["month"] == figures["total"] - advance.amount
    client = applicant_client(deal.user)
    html = client.get("/my/").content.decode()
    table = html.split('class="fees-table"')[1].split("</table>")[0]
    assert table.count("<tr><td>") == 10
    for i in range(14, 24):  # the newest ten, newest first
        assert f"MANY-{i:02d}" in table
    assert "MANY-13" not in table
    assert deal.invoice.invoice_number not in table
    assert table.index("MANY-23") < table.index("MANY-14")
    assert f'id="fees-total">¥{figures["fees"]:,}<' in html
    assert f'id="funds-total">¥{figures["total"]:,}<' in html
    assert f'id="funds-month">¥{figures["month"]:,}<' in html
    assert f"買取代金 ¥{figures['advance']:,}" in html
    fees = html.split('id="fees-heading"')[1].split("</section>")[0]
    assert "新しい順に10件を表示しています。" in fees
    assert '<a href="/my/statement/">それ以前のお取引の手数料は取引明細で確認できます</a>' in fees
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/my/").content.decode().split('id="fees-heading"')[1]
    english = english.split("</section>")[0]
    assert "Showing the 10 newest." in english
    assert (
        '<a href="/my/statement/">The fees of earlier deals are in your transaction statement</a>'
        in english
    )


def test_a_few_funded_deals_are_all_shown_without_a_note(funded: Any, treasury_staff: Any) -> None:
    deal, _advance, _ = funded
    _funded_deals(deal, treasury_staff, 9)  # ten in all: every one shown
    html = applicant_client(deal.user).get("/my/").content.decode()
    fees = html.split('id="fees-heading"')[1].split("</section>")[0]
    assert fees.count("<tr><td>") == 10
    assert "新しい順に" not in fees
    assert f'id="fees-total">¥{_dashboard_figures(deal.organization)["fees"]:,}<' in html


def _page_reads(
    client: Client, path: str = "/my/", query: dict[str, str] | None = None
) -> tuple[int, int]:
    """The queries of one GET of ``path`` (my page by default; after a first one) and the
    rows they read."""
    from django.db import connection
    from django.db.models.sql import compiler
    from django.test.utils import CaptureQueriesContext

    assert client.get(path, query).status_code == 200
    rows = 0
    real = compiler.cursor_iter

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal rows
        for block in real(*args, **kwargs):
            rows += len(block)
            yield block

    compiler.cursor_iter = counting
    try:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path, query).status_code == 200
    finally:
        compiler.cursor_iter = real
    return len(captured.captured_queries), rows


def test_the_page_costs_the_same_for_three_funded_deals_and_for_25(
    funded: Any, treasury_staff: Any, monkeypatch: Any
) -> None:
    """The same queries and, but for the deal ids, the same rows read (the payouts and
    purchases of every deal were read to draw ten, the contract documents of every deal to
    list five)."""
    deal, _advance, _ = funded
    from urikake.web.templatetags import mypage

    # each list shows two (fewer than three deals): then it reads as many rows for 25
    monkeypatch.setattr(dashboard, "OPEN_DEALS_SHOWN", 2)
    monkeypatch.setattr(dashboard, "FUNDED_DEALS_SHOWN", 2, raising=False)
    monkeypatch.setattr(mypage, "CONTRACTS_SHOWN", 2, raising=False)
    _funded_deals(deal, treasury_staff, 2)  # each with its contracts (prepared on acceptance)
    client = applicant_client(deal.user)
    queries, rows = _page_reads(client)
    _funded_deals(deal, treasury_staff, 22, start=2)
    more_queries, more_rows = _page_reads(client)
    assert more_queries == queries
    # one more row per deal: the organisation's deal ids (history reads its events by them)
    assert more_rows - rows == 22


def test_the_contracts_box_lists_the_newest_five_with_their_state(
    funded: Any, treasury_staff: Any
) -> None:
    deal, _advance, _ = funded
    _funded_deals(deal, treasury_staff, 5)
    waiting = make_deal(  # accepted, its contracts prepared, not signed yet
        user=deal.user, organization=deal.organization, amount=90_000, due_days=70
    )
    html = applicant_client(deal.user).get("/my/").content.decode()
    box = html.split('id="contracts-heading"')[1].split("</section>")[0]
    others = deal.organization.applications.exclude(pk=waiting.application.pk)
    newest = [
        waiting.application.pk,
        *others.order_by("-created_at", "-pk").values_list("pk", flat=True)[:4],
    ]
    links = [int(x.split("/")[0]) for x in box.split('href="/my/contracts/')[1:] if x[0].isdigit()]
    assert links == newest
    assert box.count("締結済み") == 4
    assert box.count("署名待ち") == 1
    assert deal.application.pk not in links


def test_the_statement_reads_the_period_only(
    funded: Any, treasury_staff: Any, monkeypatch: Any
) -> None:
    """The same queries for one funded deal and for seven; a period reads its own payouts and
    their purchases, nothing of other periods (every sent payout of the client was read and
    the period picked in Python, each advance reading its purchases on its own)."""
    deal, advance, _ = funded
    on = advance.batch.value_date
    monkeypatch.setattr(dashboard, "today", lambda: max(on, timezone.localdate()))
    period = {"start": (on - timedelta(days=3)).isoformat(), "end": on.isoformat()}
    before = {"start": "2020-01-01", "end": "2020-01-31"}
    client = applicant_client(deal.user)
    queries, rows = _page_reads(client, "/my/statement/csv/", period)
    _, rows_before = _page_reads(client, "/my/statement/csv/", before)
    more = _funded_deals(deal, treasury_staff, 6)
    assert {d.application.payouts.get(kind="advance").batch.value_date for d in more} == {on}
    more_queries, more_rows = _page_reads(client, "/my/statement/csv/", period)
    assert more_queries == queries
    assert more_rows - rows == 6 * 2  # each new deal's advance and its purchase
    assert _page_reads(client, "/my/statement/csv/", before)[1] == rows_before
    lines = _csv(client.get("/my/statement/csv/", period))[1:-1]
    numbers = [deal.invoice.invoice_number, *(d.invoice.invoice_number for d in more)]
    assert [line[2] for line in lines] == numbers  # by value date, then as paid out
