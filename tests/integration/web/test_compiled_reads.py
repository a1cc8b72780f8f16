"""My page's reads compiled once (urikake.accounts.compiled_reads) give what the ORM gives.

Each converted read against the very QuerySet the ORM would run, on a client with several
deals (funded, collected, awaiting signature), payouts of two kinds in two months: the same
rows, in the same order, with values of the same types. A change in the data shows on the
very next call (only the text is kept), and the helper refuses what it cannot send exactly.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.deals import make_deal
from tests.integration.web.test_my_page import _funded_deals, _sent
from urikake.accounts.compiled_reads import CompiledRead, CompiledReadRefused
from urikake.applicants.models import Organization
from urikake.contracts import services as contracts
from urikake.receivables.models import FinancingApplication
from urikake.servicing.models import Position
from urikake.treasury.models import Payout
from urikake.web import dashboard

pytestmark = pytest.mark.django_db


def _typed(rows: list[Any]) -> list[Any]:
    """Rows with each value's type beside it (1 == 1.0 == True would hide a difference)."""
    return [
        tuple((type(v), v) for v in row) if isinstance(row, tuple) else (type(row), row)
        for row in rows
    ]


@pytest.fixture
def client_book(treasury_staff: Any) -> Any:
    """A client with five funded deals (one collected), a loan drawn and a deal awaiting
    signature."""
    from tests.integration.treasury.helpers import funded_deal, sent_loan

    first = funded_deal(treasury_staff, "three_party")
    _sent(first, treasury_staff)
    deals = [first, *_funded_deals(first, treasury_staff, 4)]
    Position.objects.filter(application=deals[1].application).update(
        status=Position.Status.COLLECTED, collected_on=timezone.localdate()
    )
    sent_loan(first.organization, treasury_staff)
    make_deal(user=first.user, organization=first.organization, amount=90_000, due_days=70)
    return first.organization


@pytest.fixture
def treasury_staff(django_user_model: Any) -> Any:
    from tests.integration.treasury.test_overdue import staff_user

    return staff_user(django_user_model, "treasury@staff.example")


def _same(compiled: list[Any], orm: Any) -> None:
    expected = list(orm)
    assert len(expected) >= 1
    assert _typed(compiled) == _typed(expected)


def test_each_compiled_read_gives_what_the_orm_gives(client_book: Organization) -> None:
    org = client_book.pk
    month = timezone.localdate().replace(day=1)
    next_month = (month + timedelta(days=31)).replace(day=1)
    months = [(month, next_month), ((month - timedelta(days=1)).replace(day=1), month)]
    months.append((next_month, (next_month + timedelta(days=31)).replace(day=1)))
    sums = []
    for start, end in months:
        orm_funds = (
            dashboard._received(org)
            .values_list("kind")
            .annotate(
                total=dashboard.Sum("amount"),
                this_month=dashboard.Sum("amount", filter=dashboard.Q(on__gte=start, on__lt=end)),
                count=dashboard.Count("pk"),
                first_on=dashboard.Min("on"),
            )
        )
        rows = dashboard._FUNDS_BY_KIND.rows(org=org, month=start, next_month=end)
        _same(rows, orm_funds)
        assert len(rows) == 2  # advances and the loan
        sums.append([row[2] for row in rows])
    assert len({str(s) for s in sums}) > 1  # the months' sums differ: the dates are bound
    for limit in (None, 2, 21):
        _same(
            dashboard._open_deals_read(limit).rows(org=org), dashboard._open_deals_query(org, limit)
        )
        _same(
            dashboard._deal_costs_read(limit).rows(org=org), dashboard._deal_costs_query(org, limit)
        )
    assert len(dashboard._deal_costs_read(None).rows(org=org)) == 5
    _same(  # sorted: the query has no ORDER BY (neither has the ORM's)
        sorted(dashboard._APPLICATION_IDS.rows(org=org)),
        sorted(
            FinancingApplication.objects.filter(organization=client_book).values_list(
                "pk", flat=True
            )
        ),
    )
    for limit in (2, 5):
        states = contracts._contract_states_read(limit).rows(org=org)
        _same(
            states,
            FinancingApplication.objects.filter(organization_id=org)
            .filter(
                contracts.Exists(
                    contracts.ContractDocument.objects.filter(
                        application=contracts.OuterRef("pk"), organization_id=org
                    )
                )
            )
            .annotate(
                signed=contracts.Exists(
                    contracts.ContractSignature.objects.filter(application=contracts.OuterRef("pk"))
                )
            )
            .order_by("-created_at", "-pk")
            .values_list("pk", "status", "signed")[:limit],
        )
        assert len(states) == limit
    # another organisation's reads are its own (the parameter is bound, not the first one's)
    assert dashboard._APPLICATION_IDS.rows(org=org + 1000) == []


def test_a_change_shows_on_the_very_next_call(client_book: Organization) -> None:
    before = dashboard.application_ids(client_book)
    deals = dashboard.open_deals(client_book, today=date.today(), limit=21)
    deal = make_deal(
        user=client_book.memberships.get().user,
        organization=client_book,
        amount=80_000,
        due_days=75,
        accept=False,
        product="two_party",
    )
    # (in no order: the query, the ORM's as well, has no ORDER BY)
    assert sorted(dashboard.application_ids(client_book)) == sorted([*before, deal.application.pk])
    after = dashboard.open_deals(client_book, today=date.today(), limit=21)
    assert [d.application_id for d in after] == [
        deal.application.pk,
        *[d.application_id for d in deals],
    ]
    Position.objects.filter(organization=client_book).update(status=Position.Status.COLLECTED)
    assert {d.application_id for d in dashboard.open_deals(client_book, today=date.today())} < {
        d.application_id for d in after
    }
    total = sum(
        amount for _kind, amount in dashboard.funds(client_book, today=date.today()).by_kind
    )
    Payout.objects.filter(organization=client_book, kind=Payout.Kind.LOAN).update(amount=1)
    again = sum(
        amount for _kind, amount in dashboard.funds(client_book, today=date.today()).by_kind
    )
    assert again == total - 500_000 + 1


def test_it_refuses_what_it_cannot_send_exactly(client_book: Organization) -> None:
    with pytest.raises(CompiledReadRefused, match="no exact mapping"):
        CompiledRead(lambda v: Payout.objects.filter(amount=v).values_list("pk"), v=float)
    wrapped = CompiledRead(
        lambda name: Organization.objects.filter(name__contains=name).values_list("pk"), name=str
    )
    with pytest.raises(CompiledReadRefused, match="not passed through unchanged"):
        wrapped.rows(name="x")
    cast = CompiledRead(  # an int compared with a text column is sent as text
        lambda n: Organization.objects.filter(name=n).values_list("pk"), n=int
    )
    with pytest.raises(CompiledReadRefused, match="not passed through unchanged"):
        cast.rows(n=1)
    in_the_text = CompiledRead(lambda n: Organization.objects.values_list("pk")[:n], n=int)
    with pytest.raises(CompiledReadRefused, match="not passed through unchanged"):
        in_the_text.rows(n=1)
    moment = CompiledRead(  # the moment of the build would be kept in the text
        lambda org: Payout.objects.filter(
            organization_id=org, created_at__lt=timezone.now()
        ).values_list("pk"),
        org=int,
    )
    with pytest.raises(CompiledReadRefused, match=r"constant parameter|something else"):
        moment.rows(org=client_book.pk)
    models = CompiledRead(lambda org: Organization.objects.filter(pk=org), org=int)
    with pytest.raises(CompiledReadRefused, match="values_list"):
        models.rows(org=client_book.pk)
    ids = dashboard._APPLICATION_IDS
    for wrong in (None, True, str(client_book.pk), float(client_book.pk)):
        with pytest.raises(TypeError):
            ids.rows(org=wrong)
    with pytest.raises(TypeError):
        ids.rows()


def test_the_invoice_and_deposit_tables_read_what_the_orm_reads(
    client_book: Organization, treasury_staff: Any
) -> None:
    from urikake.receivables import application_views
    from urikake.treasury import backoffice_views
    from urikake.treasury.models import CollectionStatement, Deposit

    org = client_book.pk
    for limit in (3, 100):
        _same(
            application_views._invoice_rows_read(limit).rows(org=org),
            application_views._invoice_rows_query(org, limit),
        )
    statement = CollectionStatement.objects.create(
        source_format="zengin", filename="s.txt", sha256="0" * 64, imported_by=treasury_staff
    )
    today = timezone.localdate()
    for n in range(6):
        Deposit.objects.create(
            statement=statement,
            line_key=f"k{n}",
            value_date=today - timedelta(days=n % 3),  # ties broken by the id
            amount=10_000 + n,
            payer_kana=f"ｶ)ﾃｽﾄ{n}",
            status=("unmatched", "suggested")[n % 2],
            reason_ja="理由" if n % 2 else "",
        )
    for limit in (2, 300):
        _same(
            backoffice_views._deposits_read(limit).rows(),
            backoffice_views._deposits_query(None, limit),
        )
        for status in ("unmatched", "suggested"):
            _same(
                backoffice_views._deposits_of_status_read(limit).rows(status=status),
                backoffice_views._deposits_query(status, limit),
            )
    assert backoffice_views._deposits_of_status_read(300).rows(status="matched") == []
    shown = backoffice_views.deposit_rows("unmatched", limit=300)
    Deposit.objects.filter(line_key="k0").update(status="suggested")
    assert len(backoffice_views.deposit_rows("unmatched", limit=300)) == len(shown) - 1
