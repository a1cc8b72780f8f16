"""The demo's book of open purchases, made by ``urikake demo`` so that securitization has
something real to pool (issue 13): 60 funded two-party (2社間) purchases of six trading
clients on twelve debtors, due 3 weeks to 4 months ahead, perfected against third parties by
債権譲渡登記, priced by the real pricing rules at screening grades A–E, with the products'
own ledger recipes (purchase, payout) and the paid-in capital that funds them.

Deterministic (a fixed seed; dates relative to today), fast (bulk inserts, one
``post_many``), made once (a second run finds the first client and does nothing). Two-party
purchases are collected by the clients, so the collection statement sample of the base demo
(three-party items) is unchanged. What it does not make: eKYC checks, contract documents,
payout batches (the base demo walks those flows one by one).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants.models import Membership, Organization
from urikake.audit import services as audit
from urikake.domain import ledger as book
from urikake.domain.applications import ApplicationStatus
from urikake.domain.bank_calendar import BusinessDayConvention, adjust_to_business_day
from urikake.domain.errors import DomainError
from urikake.domain.ledger import EquityFunding
from urikake.domain.products import ProductId, spec
from urikake.domain.screening.fingerprints import invoice_fingerprint
from urikake.domain.screening.pricing import price
from urikake.ledger import services as ledger
from urikake.receivables.models import Debtor, DebtorIdentity, FinancingApplication, Invoice
from urikake.servicing.models import Position
from urikake.system.demo_scale import (
    TRANSFER_FEE,
    _amount,
    _corporate_number,
    _invoice_data,
    _offer_json,
    _result,
)
from urikake.treasury.models import Perfection
from urikake.treasury.policy import client_code, debtor_code, platform_cash_account

SEED = 13
EMAIL = "book-{:02d}@demo.urikake.example"
PURCHASES_PER_CLIENT = 10
CAPITAL_ENTRY = "equity:capital:demo-book"

CLIENTS = (
    # name, kana, industry
    ("株式会社デモ精工", "カブシキガイシャデモセイコウ", "manufacturing"),
    ("株式会社デモ建材", "カブシキガイシャデモケンザイ", "construction"),
    ("株式会社デモフーズ", "カブシキガイシャデモフ-ズ", "food"),
    ("株式会社デモ情報システム", "カブシキガイシャデモジヨウホウシステム", "it"),
    ("株式会社デモ資材", "カブシキガイシャデモシザイ", "wholesale"),
    ("株式会社デモ印刷", "カブシキガイシャデモインサツ", "manufacturing"),
)
DEBTORS = (
    ("株式会社北斗ホールディングス", "カブシキガイシャホクトホ-ルデイングス"),
    ("株式会社東和電機", "カブシキガイシャトウワデンキ"),
    ("株式会社西海物産", "カブシキガイシャサイカイブツサン"),
    ("株式会社中央百貨店", "カブシキガイシャチユウオウヒヤツカテン"),
    ("株式会社南星化学", "カブシキガイシャナンセイカガク"),
    ("株式会社若葉精機", "カブシキガイシャワカバセイキ"),
    ("株式会社青空建設", "カブシキガイシャアオゾラケンセツ"),
    ("株式会社朝日フーズ", "カブシキガイシャアサヒフ-ズ"),
    ("株式会社白鷺運輸", "カブシキガイシャシラサギウンユ"),
    ("株式会社松風製薬", "カブシキガイシャマツカゼセイヤク"),
    ("株式会社桜井商会", "カブシキガイシャサクライシヨウカイ"),
    ("株式会社緑川工業", "カブシキガイシャミドリカワコウギヨウ"),
)
# A platform book is concentrated: the first debtors appear in most clients' books.
DEBTOR_WEIGHTS = (8, 6, 5, 4, 3, 3, 2, 2, 2, 1, 1, 1)
GRADES = (("A", 20), ("B", 35), ("C", 25), ("D", 13), ("E", 7))


def present() -> bool:
    return User.objects.filter(email=EMAIL.format(1)).exists()


def load_book_demo(today: date | None = None) -> int:
    """Create the book unless present; the number of positions made (0 when present)."""
    if present():
        return 0
    rng = random.Random(SEED)  # noqa: S311 # nosec B311 # demo data, reproducible by design
    day = today or timezone.localdate()
    clients = _clients(day)
    debtors = _debtors(clients)
    invoices = _invoices(clients, debtors, rng, day)
    positions, entries = _purchases(invoices, rng, day)
    cash = platform_cash_account()
    out = -sum(leg.amount for e in entries for leg in e.legs if leg.account == cash)
    # The operator's capital for this book, rounded up to ¥100,000,000: the cash stays positive.
    capital = (out // 100_000_000 + 1) * 100_000_000
    ledger.fund_operating_account(
        kind=EquityFunding.CAPITAL,
        amount=capital,
        on=day - timedelta(days=120),
        description="資本金の払込（デモ: 証券化向けの債権）",
        entry_id=CAPITAL_ENTRY,
        acting_user="system:demo",
    )
    ledger.post_many(entries, actor="system:demo")
    audit.record(
        "demo.book_loaded",
        actor="system:demo",
        payload={
            "clients": len(clients),
            "debtors": len(DEBTORS),
            "positions": len(positions),
            "balance": sum(p.face_amount for p in positions),
            "capital": capital,
        },
    )
    return len(positions)


def _clients(day: date) -> list[tuple[User, Organization]]:
    joined = timezone.make_aware(datetime.combine(day - timedelta(days=400), datetime.min.time()))
    out = []
    for i, (name, kana, industry) in enumerate(CLIENTS, start=1):
        # No published login: these clients exist for the back office's book only.
        user = User.objects.create(
            email=EMAIL.format(i), password=make_password(None), date_joined=joined
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        org = Organization.objects.create(
            kind="corporation",
            name=name,
            name_kana=kana,
            corporate_number=_corporate_number(900_000 + i),
            address=f"神奈川県横浜市西区みなとみらい{i}-{i + 1}-{i + 2}",
            representative_name="代表 デモ",
            industry=industry,
            established_year=1985 + 4 * i,
            established_month=i,
            created_by=user,
        )
        Membership.objects.create(user=user, organization=org, role="owner")
        out.append((user, org))
    return out


def _debtors(clients: list[tuple[User, Organization]]) -> dict[int, list[Debtor]]:
    """Every debtor in every client's book (the invoices pick them with the weights)."""
    identities = []
    for j, (name, _kana) in enumerate(DEBTORS):
        number = _corporate_number(800_000 + j)
        identity, _created = DebtorIdentity.objects.get_or_create(
            key=f"cn:{number}", defaults={"corporate_number": number, "display_name": name}
        )
        identities.append((identity, number))
    by_org: dict[int, list[Debtor]] = {}
    for user, org in clients:
        by_org[org.pk] = list(
            Debtor.objects.bulk_create(
                Debtor(
                    organization=org,
                    identity=identity,
                    name=name,
                    name_kana=kana,
                    corporate_number=number,
                    address=f"東京都千代田区大手町{1 + j % 3}-{1 + j}-{1 + j % 5}",
                    created_by=user,
                )
                for j, ((name, kana), (identity, number)) in enumerate(
                    zip(DEBTORS, identities, strict=True)
                )
            )
        )
    return by_org


def _invoices(
    clients: list[tuple[User, Organization]],
    debtors: dict[int, list[Debtor]],
    rng: random.Random,
    day: date,
) -> list[Invoice]:
    rows = []
    for user, org in clients:
        for k in range(PURCHASES_PER_CLIENT):
            debtor = rng.choices(debtors[org.pk], weights=DEBTOR_WEIGHTS)[0]
            issued = day - timedelta(days=rng.randrange(3, 20))
            due = day + timedelta(days=rng.randrange(21, 120))
            amount = _amount(rng, 800_000, 9_000_000)
            number = f"BOOK-{org.pk:04d}-{k + 1:03d}"
            data = _invoice_data(org, debtor, number, issued, due, amount)
            rows.append(
                Invoice(
                    organization=org,
                    debtor=debtor,
                    invoice_number=number,
                    issue_date=issued,
                    due_date=due,
                    total_amount=amount,
                    tax_breakdown=[
                        {"rate": "0.10", "taxable": t.taxable_amount, "tax": t.tax_amount}
                        for t in data.tax_breakdown
                    ],
                    source="form",
                    status=Invoice.Status.ASSIGNED,
                    fingerprint=invoice_fingerprint(data, debtor.identity.key),
                    created_by=user,
                )
            )
    Invoice.objects.bulk_create(rows)
    return list(
        Invoice.objects.filter(invoice_number__startswith="BOOK-")
        .select_related("debtor__identity", "organization")
        .order_by("organization_id", "invoice_number")
    )


def _purchases(
    invoices: list[Invoice], rng: random.Random, day: date
) -> tuple[list[Position], list[book.JournalEntry]]:
    product = ProductId.TWO_PARTY
    recipes = spec(product).ledger
    cash = platform_cash_account()
    applications, offers = [], []
    for inv in invoices:
        applied = inv.issue_date + timedelta(days=1)
        now = datetime.combine(applied, datetime.min.time()).replace(hour=10)
        grade = str(rng.choices([g for g, _ in GRADES], weights=[w for _, w in GRADES])[0])
        try:
            offer = price(
                _invoice_data(
                    inv.organization,
                    inv.debtor,
                    inv.invoice_number,
                    inv.issue_date,
                    inv.due_date,
                    inv.total_amount,
                ),
                product=product,
                grade=grade,
                now=now,
            )
        except DomainError:  # pragma: no cover - the dates and amounts above always price
            continue
        decided = timezone.make_aware(now.replace(hour=11))
        applications.append(
            FinancingApplication(
                organization=inv.organization,
                product=product.value,
                requested_amount=inv.total_amount,
                status=ApplicationStatus.FUNDED.value,
                created_by=inv.created_by,
                submitted_at=decided,
                decided_at=decided,
                screening_result=_result(inv, ApplicationStatus.FUNDED, offer),
                offer=_offer_json(offer, inv),
                offer_expires_on=offer.expires_on,
            )
        )
        offers.append((inv, offer))
    applications = FinancingApplication.objects.bulk_create(applications)
    through = FinancingApplication.invoices.through
    through.objects.bulk_create(
        through(financingapplication_id=a.pk, invoice_id=inv.pk)
        for a, (inv, _) in zip(applications, offers, strict=True)
    )
    positions, perfections = [], []
    for app, (inv, offer) in zip(applications, offers, strict=True):
        funded_on = min(inv.issue_date + timedelta(days=3), day)
        positions.append(
            Position(
                application=app,
                invoice=inv,
                organization_id=app.organization_id,
                debtor=inv.debtor,
                product=app.product,
                face_amount=offer.face_amount,
                advance_amount=offer.advance_amount,
                fee=offer.fee,
                admin_fee=offer.admin_fee,
                holdback=offer.holdback,
                due_date=inv.due_date,
                expected_on=adjust_to_business_day(inv.due_date, BusinessDayConvention.FOLLOWING),
            )
        )
        # 2社間: perfected against third parties by 債権譲渡登記 (the debtor is not told).
        perfections.append(
            Perfection(
                application=app,
                method=Perfection.Method.REGISTRATION,
                stage=Perfection.Stage.PERFECTED,
                filed_on=funded_on - timedelta(days=1),
                registered_on=funded_on - timedelta(days=1),
                registration_number=f"2026-{app.pk:06d}",
                registration_expires_on=funded_on + timedelta(days=365),
            )
        )
    positions = Position.objects.bulk_create(positions)
    Perfection.objects.bulk_create(perfections)
    entries: list[book.JournalEntry] = []
    for p, (inv, _offer) in zip(positions, offers, strict=True):
        funded_on = min(inv.issue_date + timedelta(days=3), day)
        client, debtor = client_code(p.organization_id), debtor_code(p.debtor_id)
        entries.append(
            recipes.purchase(
                f"purchase:{p.pk}",
                funded_on,
                client=client,
                debtor=debtor,
                face=p.face_amount,
                fee=p.fee + p.admin_fee,
                reserve_amount=p.holdback,
                description=f"債権買取 請求書{inv.invoice_number}",
            )
        )
        entries.append(
            book.payout(
                f"payout:book:{p.pk}",
                funded_on,
                client=client,
                cash_account=cash,
                amount=p.advance_amount - p.fee - p.admin_fee,
                transfer_fee=TRANSFER_FEE,
            )
        )
    return positions, entries
