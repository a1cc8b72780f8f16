"""Pools over real positions: eligibility, freezing, the true sale in the ledger, the pages
and the downloads."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.integration.treasury.helpers import contracted_deal, funded_deal
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.ledger import services as ledger
from urikake.securitization import services
from urikake.securitization.models import Pool
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(treasury_staff):
    """Three funded (perfected) positions and one contracted deal not yet perfected."""
    funded = [funded_deal(treasury_staff, amount=1_100_000 + 110_000 * i) for i in range(3)]
    unperfected = contracted_deal(amount=2_200_000)
    return funded, unperfected


def _build(user, **kw):
    args = {
        "name": "2026年12月プール",
        "cut_off": timezone.localdate(),
        "method": "pool",
        "allowed_products": ["three_party", "two_party"],
        "concentration_limit": Decimal("0.2"),
        "acting_user": user,
    }
    args.update(kw)
    return services.build_pool(**args)


def test_build_freeze_and_sell(book, structuring_staff):
    funded, _ = book
    pool = _build(structuring_staff, method="specific")
    positions = Position.objects.filter(application__in=[d.application for d in funded])
    assert sorted(pool.items.values_list("position_id", flat=True)) == sorted(
        positions.values_list("pk", flat=True)
    )
    assert pool.sold_balance == sum(p.residual for p in positions)
    assert pool.balance == pool.sold_balance  # specific-debtor method: no haircut
    assert AuditRecord.objects.filter(action="securitization.pool_built").count() == 1

    before = ledger.trial_balance()
    pool = services.sell_pool(pool, on=timezone.localdate(), acting_user=structuring_staff)
    assert pool.status == Pool.Status.SOLD
    entry = ledger.entries_for(f"securitization:{pool.code}").get()
    legs = {leg.account: leg.amount for leg in entry.legs.all()}
    retained = services.retained_amount(pool)
    assert legs[f"retained_interest:{pool.code}"] == retained
    assert legs[f"spv_receivable:{pool.code}"] == pool.sold_balance - retained
    assert sum(legs.values()) == 0
    for p in positions:
        assert ledger.balance(f"receivable:{p.client_code}:{p.debtor_code}") == 0
    after = ledger.trial_balance()
    assert after.balanced if hasattr(after, "balanced") else True
    assert before != after
    with pytest.raises(DomainError):
        services.sell_pool(pool, on=timezone.localdate(), acting_user=structuring_staff)
    with pytest.raises(DomainError):
        services.set_structure(
            pool,
            senior=Decimal("0.7"),
            mezzanine=Decimal(0),
            retain_subordinated=True,
            vehicle="trust",
            enhancement="none",
            enhancement_fee_rate=Decimal(0),
            correlation=Decimal("0.2"),
            acting_user=structuring_staff,
        )


def test_excluded_positions_say_why(book, structuring_staff):
    with pytest.raises(DomainError, match=r"延滞.*3件"):
        _build(structuring_staff, cut_off=timezone.localdate() + timedelta(days=400))
    assert not Pool.objects.exists()


def test_products_not_allowed_are_excluded(book, structuring_staff):
    with pytest.raises(DomainError):
        _build(structuring_staff, allowed_products=["no_such_product"])
    assert not Pool.objects.exists()


def test_pages_and_downloads(book, structuring_staff):
    client = Client()
    client.force_login(structuring_staff)
    page = client.get("/backoffice/securitization/")
    assert page.status_code == 200
    response = client.post(
        "/backoffice/securitization/",
        {
            "name": "テストプール",
            "cut_off": timezone.localdate().isoformat(),
            "method": "pool",
            "products": ["three_party"],
            "concentration_limit": "20",
        },
    )
    pool = Pool.objects.get()
    assert response.status_code == 302
    detail = client.get(f"/backoffice/securitization/{pool.pk}/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "no-store" in detail.headers["Cache-Control"]
    assert 'id="loss-histogram"' in html or "loss-histogram" in html
    assert "リスクの移転は限定的" in html  # retained subordinated part (the default)
    assert "ファクタリング（買取）" in html
    assert "売掛債権担保融資" in html
    sized = client.get(f"/backoffice/securitization/{pool.pk}/", {"metric": "pd", "target": "1"})
    assert 'id="sized"' in sized.content.decode()

    saved = client.post(
        f"/backoffice/securitization/{pool.pk}/structure/",
        {
            "senior": "75",
            "mezzanine": "10",
            "vehicle": "spc",
            "enhancement": "guarantee",
            "enhancement_fee": "0.5",
            "correlation": "0.2",
        },
    )
    assert saved.status_code == 302
    pool.refresh_from_db()
    assert (pool.senior_share, pool.mezzanine_share, pool.retain_subordinated) == (
        Decimal("0.75"),
        Decimal("0.1"),
        False,
    )
    assert (
        "リスクの移転は限定的"
        not in client.get(f"/backoffice/securitization/{pool.pk}/").content.decode()
    )

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(f"/backoffice/securitization/{pool.pk}/").content.decode()
    assert "Cost comparison" in english
    assert "Size the senior tranche for a target" in english
    assert "Specific-debtor method" in english or "Pool method" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    csv_text = client.get(f"/backoffice/securitization/{pool.pk}/export.csv").content.decode()
    assert "トランシェ" in csv_text
    assert "優先" in csv_text
    wb = load_workbook(
        io.BytesIO(client.get(f"/backoffice/securitization/{pool.pk}/export.xlsx").content)
    )
    assert wb.sheetnames == ["トランシェ", "キャッシュフロー", "損失分布", "債権"]
    assert wb["債権"].max_row == pool.items.count() + 1
    pdf = client.get(f"/backoffice/securitization/{pool.pk}/report/1.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "投資家報告書" in text
    assert client.get(f"/backoffice/securitization/{pool.pk}/report/99.pdf").status_code == 404

    sold = client.post(f"/backoffice/securitization/{pool.pk}/sell/")
    assert sold.status_code == 302
    pool.refresh_from_db()
    assert pool.status == Pool.Status.SOLD
    after_sale = client.get(f"/backoffice/securitization/{pool.pk}/").content.decode()
    assert 'id="spv-held"' in after_sale
    assert f'action="/backoffice/securitization/{pool.pk}/structure/"' not in after_sale
    remit = client.post(f"/backoffice/securitization/{pool.pk}/remit/", follow=True)
    assert "引き渡す回収金はありません" in remit.content.decode()


def test_other_roles_are_refused(book, treasury_staff):
    client = Client()
    client.force_login(treasury_staff)
    assert client.get("/backoffice/securitization/").status_code == 403


def test_reading_the_pages_writes_nothing(book, structuring_staff):
    from tests.integration.test_reads_never_write import _counts

    pool = _build(structuring_staff)
    client = Client()
    client.force_login(structuring_staff)
    client.get("/backoffice/")  # the login's session row is written on the first request
    before = _counts()
    for url in (
        "/backoffice/securitization/",
        f"/backoffice/securitization/{pool.pk}/",
        f"/backoffice/securitization/{pool.pk}/?metric=el&target=0.01",
        f"/backoffice/securitization/{pool.pk}/export.csv",
        f"/backoffice/securitization/{pool.pk}/export.xlsx",
        f"/backoffice/securitization/{pool.pk}/report/1.pdf",
    ):
        assert client.get(url).status_code == 200, url
    assert _counts() == before
