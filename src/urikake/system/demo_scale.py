"""``urikake demo --scale N``: realistic volume for judging dashboards and queues.

N applicant organisations (each with an owner who accepted the terms in force), a shared pool
of debtors (a platform with concentration: several clients sell to the same debtor), 10·N
invoices, twelve months of bank statements per applicant (the debtors' monthly payments and
some withdrawals), and 1–6 applications per applicant in every state of the application life
cycle (draft … settled, declined, referred, cancelled, expired). Offers are priced by the real
pricing rules (:func:`urikake.domain.screening.pricing.price`); funded and settled deals have
positions and their ledger entries made by the products' own recipes (purchase, payout,
collection, holdback release and its payout), plus the paid-in capital that funds them, so
the trial balance balances and ``urikake ledger check`` passes.

Made with bulk inserts (thousands of rows per statement), deterministic for a seed and a day
(the dates are relative to today), and refused a second time on the same database with a
clear message. One audit record (``demo.scaled``) names what was made; the ledger's bulk
posting writes its own (``ledger.posted_many``). What it does not make: eKYC checks, contract
documents, perfection records, payout batches and deposits (the base demo shows those flows
one by one).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants import terms
from urikake.applicants.models import Consent, Membership, Organization
from urikake.audit import services as audit
from urikake.domain import ledger as book
from urikake.domain.applications import ApplicationStatus
from urikake.domain.bank_calendar import BusinessDayConvention, adjust_to_business_day
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import corporate_number_check_digit
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.ledger import EquityFunding
from urikake.domain.products import ProductId, spec
from urikake.domain.screening.fingerprints import invoice_fingerprint
from urikake.domain.screening.pricing import price
from urikake.ledger import services as ledger
from urikake.receivables.models import (
    Debtor,
    DebtorIdentity,
    FinancingApplication,
    Invoice,
    StatementEntry,
    StatementImport,
)
from urikake.servicing.models import Position
from urikake.treasury.policy import client_code, debtor_code, platform_cash_account

EMAIL = "scale-{:05d}@demo.urikake.example"
EMAIL_LIKE = "@demo.urikake.example"
PREFIX = "scale-"
BATCH = 2000
TRANSFER_FEE = 145  # what the bank charges per outgoing transfer (demo's setting)
PAYER_FEE = 660  # what debtors deduct from their payment

# The parts of the fictitious company names: a place (and its kana), a trade (its kana and
# industry); debtors' trades. The load seed (benchmarks/load/seed.py) names its companies
# from them too.
PLACES = (
    "あおば",
    "さくら",
    "みなと",
    "ひかり",
    "つばさ",
    "なごみ",
    "はるか",
    "こだま",
    "いぶき",
    "みどり",
    "ゆうき",
    "たいよう",
    "ほくと",
    "あさひ",
    "しらかば",
    "かえで",
    "すばる",
    "やまと",
)
PLACE_KANA = {
    "あおば": "アオバ",
    "さくら": "サクラ",
    "みなと": "ミナト",
    "ひかり": "ヒカリ",
    "つばさ": "ツバサ",
    "なごみ": "ナゴミ",
    "はるか": "ハルカ",
    "こだま": "コダマ",
    "いぶき": "イブキ",
    "みどり": "ミドリ",
    "ゆうき": "ユウキ",
    "たいよう": "タイヨウ",
    "ほくと": "ホクト",
    "あさひ": "アサヒ",
    "しらかば": "シラカバ",
    "かえで": "カエデ",
    "すばる": "スバル",
    "やまと": "ヤマト",
}
TRADES = (
    ("商事", "シヨウジ", "wholesale"),
    ("運輸", "ウンユ", "transport"),
    ("建設", "ケンセツ", "construction"),
    ("製作所", "セイサクシヨ", "manufacturing"),
    ("システム", "システム", "it"),
    ("食品", "シヨクヒン", "food"),
    ("デザイン", "デザイン", "services"),
    ("工業", "コウギヨウ", "manufacturing"),
)
DEBTOR_TRADES = (
    ("物産", "ブツサン"),
    ("電機", "デンキ"),
    ("ホールディングス", "ホ-ルデイングス"),
    ("百貨店", "ヒヤツカテン"),
    ("精機", "セイキ"),
    ("化学", "カガク"),
)

# The share of each state among applications (the rest of an applicant's invoices stay
# registered). Past-due invoices become settled (or stay open: overdue) deals.
FUTURE_STATES = (
    (ApplicationStatus.DRAFT, 4),
    (ApplicationStatus.SUBMITTED, 3),
    (ApplicationStatus.OFFERED, 8),
    (ApplicationStatus.REFERRED, 5),
    (ApplicationStatus.DECLINED, 6),
    (ApplicationStatus.ACCEPTED, 5),
    (ApplicationStatus.CONTRACTED, 5),
    (ApplicationStatus.FUNDED, 30),
    (ApplicationStatus.CANCELLED, 2),
    (ApplicationStatus.EXPIRED, 3),
)


class AlreadyScaled(Exception):
    pass


@dataclass
class Report:
    applicants: int = 0
    debtors: int = 0
    invoices: int = 0
    statement_lines: int = 0
    applications: int = 0
    positions: int = 0
    ledger_entries: int = 0
    states: Counter[str] | None = None


Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


def existing_scale() -> int:
    return User.objects.filter(email__startswith=PREFIX, email__endswith=EMAIL_LIKE).count()


def _corporate_number(serial: int) -> str:
    base = f"9998{serial:08d}"  # fictitious registry code: never a real company
    return f"{corporate_number_check_digit(base)}{base}"


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _amount(rng: random.Random, low: int, high: int) -> int:
    """A face value between low and high, log-uniform, rounded to ¥1,000 (tax included)."""
    value = int(low * (high / low) ** rng.random())
    return max(low, value // 1000 * 1000)


def _bulk(model: Any, rows: list[Any]) -> list[Any]:
    return list(model.objects.bulk_create(rows, batch_size=BATCH))


def make_scale(
    n: int, *, seed: int = 2026, progress: Progress = _no_progress, today: date | None = None
) -> Report:
    """Create the scale demo for ``n`` applicants (refuses if one already exists)."""
    if settings.PRODUCTION:
        raise RuntimeError("demo data is never loaded in production")
    if n < 1:
        raise ValueError("N must be at least 1")
    already = existing_scale()
    if already:
        raise AlreadyScaled(
            f"規模デモのデータはすでにあります（申込者 {already} 社）。二重には作りません。"
            "作り直すときは空のデータベースで実行してください。"
            f" / scale demo data already present ({already} applicants); use an empty database."
        )
    rng = random.Random(seed)  # noqa: S311 # nosec B311 # demo data, reproducible by design
    day = today or timezone.localdate()
    report = Report(states=Counter())
    with transaction.atomic():
        users = _users(n, rng, day, progress)
        orgs = _organisations(users, rng, day, progress)
        debtors_by_org = _debtors(orgs, users, rng, n, progress)
        report.applicants = len(orgs)
        report.debtors = sum(len(d) for d in debtors_by_org.values())
        invoices = _invoices(orgs, users, debtors_by_org, rng, day, progress)
        report.invoices = len(invoices)
        report.statement_lines = _statements(orgs, users, debtors_by_org, rng, day, progress)
        entries = _applications(orgs, users, invoices, rng, day, progress, report)
        progress("ledger", 0, len(entries))
        total_out = sum(
            leg.amount for e in entries for leg in e.legs if leg.account == platform_cash_account()
        )
        capital = ((-total_out // 100_000_000) + 1) * 100_000_000 if total_out < 0 else 0
        if capital:
            ledger.fund_operating_account(
                kind=EquityFunding.CAPITAL,
                amount=capital,
                on=day - timedelta(days=400),
                description=f"資本金の払込（規模デモ N={n}）",
                entry_id=f"equity:capital:scale:{seed}",
                acting_user="system:demo",
            )
        report.ledger_entries = ledger.post_many(entries, actor="system:demo")
        progress("ledger", len(entries), len(entries))
        audit.record(
            "demo.scaled",
            actor="system:demo",
            payload={
                "n": n,
                "seed": seed,
                "applicants": report.applicants,
                "invoices": report.invoices,
                "statement_lines": report.statement_lines,
                "applications": report.applications,
                "positions": report.positions,
                "ledger_entries": report.ledger_entries,
                "capital": capital,
                "states": dict(report.states or {}),
            },
        )
    return report


def _users(n: int, rng: random.Random, day: date, progress: Progress) -> list[User]:
    from urikake.system.demo import PASSWORD

    hashed = make_password(PASSWORD)
    joined = timezone.make_aware(datetime.combine(day - timedelta(days=400), datetime.min.time()))
    users = _bulk(
        User,
        [User(email=EMAIL.format(i), password=hashed, date_joined=joined) for i in range(n)],
    )
    if any(u.pk is None for u in users):
        users = list(User.objects.filter(email__startswith=PREFIX).order_by("email"))
    _bulk(
        EmailAddress,
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
    )
    versions = terms.current_versions()
    _bulk(
        Consent,
        [
            Consent(user=u, document=doc, version=versions[doc], action="given", at=joined)
            for u in users
            for doc in ("terms", "privacy")
        ],
    )
    progress("applicants", n, n)
    return users


def _organisations(
    users: list[User], rng: random.Random, day: date, progress: Progress
) -> list[Organization]:
    orgs = []
    for i, user in enumerate(users):
        a = PLACES[i % len(PLACES)]
        b, b_kana, industry = TRADES[(i // len(PLACES)) % len(TRADES)]
        sole = rng.random() < 0.2
        name = f"{a}{b}{i:05d}" if sole else f"株式会社{a}{b}{i:05d}"
        orgs.append(
            Organization(
                kind="sole_proprietor" if sole else "corporation",
                name=name,
                name_kana=f"{PLACE_KANA[a]}{b_kana}",
                corporate_number="" if sole else _corporate_number(100_000 + i),
                address=f"東京都中央区日本橋{1 + i % 4}-{1 + i % 20}-{1 + i % 30}",
                representative_name=f"代表 {a}",
                industry=industry,
                established_year=1990 + rng.randrange(34),
                established_month=1 + rng.randrange(12),
                created_by=user,
            )
        )
    orgs = _bulk(Organization, orgs)
    if any(o.pk is None for o in orgs):
        by_user = {o.created_by_id: o for o in Organization.objects.filter(created_by__in=users)}
        orgs = [by_user[u.pk] for u in users]
    _bulk(
        Membership,
        [
            Membership(user=u, organization=o, role="owner")
            for u, o in zip(users, orgs, strict=True)
        ],
    )
    return orgs


def _debtors(
    orgs: list[Organization], users: list[User], rng: random.Random, n: int, progress: Progress
) -> dict[int, list[Debtor]]:
    pool_size = max(5, n // 4)
    identities = []
    for j in range(pool_size):
        a = PLACES[(j * 7) % len(PLACES)]
        b, b_kana = DEBTOR_TRADES[j % len(DEBTOR_TRADES)]
        number = _corporate_number(j + 1)
        identities.append(
            (
                f"株式会社{a}{b}{j:04d}",
                f"カブシキガイシャ{PLACE_KANA[a]}{b_kana}",
                number,
                DebtorIdentity(
                    key=f"cn:{number}",
                    corporate_number=number,
                    display_name=f"株式会社{a}{b}{j:04d}",
                ),
            )
        )
    existing = set(
        DebtorIdentity.objects.filter(key__in=[i[3].key for i in identities]).values_list(
            "key", flat=True
        )
    )
    _bulk(DebtorIdentity, [i[3] for i in identities if i[3].key not in existing])
    ids = dict(
        DebtorIdentity.objects.filter(key__in=[i[3].key for i in identities]).values_list(
            "key", "pk"
        )
    )
    # Concentration: a few big debtors appear in many clients' books (Zipf-like weights).
    weights = [1 / (k + 1) for k in range(pool_size)]
    rows = []
    for org, user in zip(orgs, users, strict=True):
        chosen: set[int] = set()
        while len(chosen) < min(pool_size, 3 + rng.randrange(4)):
            chosen.add(rng.choices(range(pool_size), weights=weights)[0])
        for k in sorted(chosen):
            name, kana, number, identity = identities[k]
            rows.append(
                Debtor(
                    organization=org,
                    identity_id=ids[identity.key],
                    name=name,
                    name_kana=kana,
                    corporate_number=number,
                    address=f"大阪府大阪市北区梅田{1 + k % 3}-{1 + k % 9}-{1 + k % 20}",
                    created_by=user,
                )
            )
    _bulk(Debtor, rows)
    by_org: dict[int, list[Debtor]] = {}
    for d in Debtor.objects.filter(organization__in=orgs).select_related("identity").order_by("pk"):
        by_org.setdefault(d.organization_id, []).append(d)
    progress("debtors", len(rows), len(rows))
    return by_org


def _invoice_data(
    org: Organization, debtor: Debtor, number: str, issued: date, due: date, amount: int
) -> InvoiceData:
    taxable = amount * 10 // 11
    return InvoiceData(
        issuer_name=org.name,
        debtor_name=debtor.name,
        invoice_number=number,
        issue_date=issued,
        due_date=due,
        total_amount=amount,
        issuer_registration_number="",
        debtor_corporate_number=debtor.corporate_number,
        tax_breakdown=(TaxBreakdown(Decimal("0.10"), taxable, amount - taxable),),
    )


def _invoices(
    orgs: list[Organization],
    users: list[User],
    debtors_by_org: dict[int, list[Debtor]],
    rng: random.Random,
    day: date,
    progress: Progress,
) -> list[Invoice]:
    rows = []
    total = len(orgs) * 10
    for org, user in zip(orgs, users, strict=True):
        for k in range(10):
            debtor = rng.choice(debtors_by_org[org.pk])
            # Issued over the last year, a few due later than today (the open pipeline).
            issued = (
                day - timedelta(days=rng.randrange(5, 365))
                if k < 6
                else day - timedelta(days=rng.randrange(1, 25))
            )
            due = issued + timedelta(days=rng.choice((30, 45, 60, 60, 90)))
            amount = _amount(rng, 100_000, 8_000_000)
            number = f"S{org.pk:06d}-{k + 1:03d}"
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
                    fingerprint=invoice_fingerprint(data, debtor.identity.key),
                    created_by=user,
                )
            )
        if len(rows) % BATCH == 0:
            progress("invoices", len(rows), total)
    _bulk(Invoice, rows)
    progress("invoices", total, total)
    return list(
        Invoice.objects.filter(organization__in=orgs)
        .select_related("debtor", "organization")
        .order_by("organization_id", "invoice_number")
    )


def _statements(
    orgs: list[Organization],
    users: list[User],
    debtors_by_org: dict[int, list[Debtor]],
    rng: random.Random,
    day: date,
    progress: Progress,
) -> int:
    from urikake.domain.zengin_charset import to_zengin

    imports = _bulk(
        StatementImport,
        [
            StatementImport(
                organization=org,
                source="csv",
                filename="scale-demo.csv",
                content_sha256=f"{org.pk:064d}",
                fingerprint=f"scale:{org.pk}",
                period_start=day - timedelta(days=365),
                period_end=day - timedelta(days=1),
                created_by=user,
            )
            for org, user in zip(orgs, users, strict=True)
        ],
    )
    if any(s.pk is None for s in imports):
        by_org = {
            s.organization_id: s for s in StatementImport.objects.filter(organization__in=orgs)
        }
        imports = [by_org[o.pk] for o in orgs]
    lines: list[StatementEntry] = []
    count = 0
    for org, statement in zip(orgs, imports, strict=True):
        n = 0
        for debtor in debtors_by_org[org.pk]:
            payer = to_zengin(debtor.name_kana, abbreviate_legal_form=True)[:48]
            typical = _amount(rng, 200_000, 5_000_000)
            pay_day = 5 + rng.randrange(20)
            for back in range(12, 0, -1):
                value_date = (day.replace(day=1) - timedelta(days=30 * back)).replace(day=pay_day)
                if value_date >= day or rng.random() < 0.08:  # a missed month now and then
                    continue
                n += 1
                lines.append(
                    StatementEntry(
                        statement=statement,
                        organization=org,
                        value_date=value_date,
                        direction="deposit",
                        amount=typical + rng.randrange(-5, 6) * 1000,
                        counterparty=payer,
                        line_number=n,
                        line_key=f"scale:{statement.pk}:{n}",
                    )
                )
        for back in range(12, 0, -1):
            n += 1
            lines.append(
                StatementEntry(
                    statement=statement,
                    organization=org,
                    value_date=(day.replace(day=1) - timedelta(days=30 * back)).replace(day=27),
                    direction="withdrawal",
                    amount=_amount(rng, 100_000, 2_000_000),
                    counterparty="ｷﾕｳﾖ ﾌﾘｺﾐ",
                    line_number=n,
                    line_key=f"scale:{statement.pk}:{n}",
                )
            )
        if len(lines) >= BATCH * 5:
            _bulk(StatementEntry, lines)
            count += len(lines)
            lines = []
            progress("statements", count, count)
    _bulk(StatementEntry, lines)
    count += len(lines)
    progress("statements", count, count)
    return count


def _grade(rng: random.Random) -> str:
    return str(_pick(rng, (("A", 25), ("B", 35), ("C", 25), ("D", 10), ("E", 5))))


def _applications(
    orgs: list[Organization],
    users: list[User],
    invoices: list[Invoice],
    rng: random.Random,
    day: date,
    progress: Progress,
    report: Report,
) -> list[book.JournalEntry]:
    by_org: dict[int, list[Invoice]] = {}
    for inv in invoices:
        by_org.setdefault(inv.organization_id, []).append(inv)
    owner = {o.pk: u for o, u in zip(orgs, users, strict=True)}
    plans: list[tuple[FinancingApplication, Invoice, ApplicationStatus, Any]] = []
    cash = platform_cash_account()
    for org in orgs:
        for inv in by_org[org.pk]:
            if rng.random() < 0.35:
                continue  # stays registered (not every invoice is sold)
            product = ProductId.THREE_PARTY if rng.random() < 0.6 else ProductId.TWO_PARTY
            applied = inv.issue_date + timedelta(days=rng.randrange(1, 4))
            applied = min(applied, day)
            past_due = inv.due_date < day - timedelta(days=3)
            if past_due:
                state = _pick(
                    rng,
                    (
                        (ApplicationStatus.SETTLED, 80),
                        (ApplicationStatus.FUNDED, 6),  # overdue, still open
                        (ApplicationStatus.DECLINED, 8),
                        (ApplicationStatus.EXPIRED, 4),
                        (ApplicationStatus.CANCELLED, 2),
                    ),
                )
            else:
                state = _pick(rng, FUTURE_STATES)
            offer = None
            if state not in (
                ApplicationStatus.DRAFT,
                ApplicationStatus.SUBMITTED,
                ApplicationStatus.DECLINED,
                ApplicationStatus.CANCELLED,
            ):
                now = datetime.combine(applied, datetime.min.time()).replace(hour=10)
                try:
                    offer = price(
                        _invoice_data(
                            org,
                            inv.debtor,
                            inv.invoice_number,
                            inv.issue_date,
                            inv.due_date,
                            inv.total_amount,
                        ),
                        product=product,
                        grade=_grade(rng),
                        now=now,
                    )
                except DomainError:
                    state = ApplicationStatus.DECLINED
            report.states[state.value] += 1  # type: ignore[index]
            decided = timezone.make_aware(
                datetime.combine(applied, datetime.min.time()).replace(hour=11)
            )
            plans.append(
                (
                    FinancingApplication(
                        organization=org,
                        product=product.value,
                        requested_amount=inv.total_amount,
                        status=state.value,
                        created_by=owner[org.pk],
                        submitted_at=None if state is ApplicationStatus.DRAFT else decided,
                        decided_at=decided
                        if offer or state is ApplicationStatus.DECLINED
                        else None,
                        screening_result=_result(inv, state, offer),
                        offer=_offer_json(offer, inv) if offer else {},
                        offer_expires_on=offer.expires_on if offer else None,
                    ),
                    inv,
                    state,
                    offer,
                )
            )
    progress("applications", 0, len(plans))
    apps = _bulk(FinancingApplication, [p[0] for p in plans])
    if any(a.pk is None for a in apps):
        raise RuntimeError("the database did not return the new applications' ids")
    through = FinancingApplication.invoices.through
    _bulk(
        through,
        [
            through(financingapplication_id=a.pk, invoice_id=p[1].pk)
            for a, p in zip(apps, plans, strict=True)
        ],
    )
    report.applications = len(apps)
    # Invoice states follow their application.
    in_application = [p[1].pk for p in plans if p[2] not in _CLOSED and p[2] not in _SOLD]
    sold = [p[1].pk for p in plans if p[2] in _SOLD]
    for chunk in range(0, len(in_application), BATCH):
        Invoice.objects.filter(pk__in=in_application[chunk : chunk + BATCH]).update(
            status=Invoice.Status.IN_APPLICATION
        )
    for chunk in range(0, len(sold), BATCH):
        Invoice.objects.filter(pk__in=sold[chunk : chunk + BATCH]).update(
            status=Invoice.Status.ASSIGNED
        )
    progress("applications", len(apps), len(apps))
    # Positions and their books.
    positions = []
    for app, (_, inv, state, offer) in zip(apps, plans, strict=True):
        if state not in _SOLD:
            continue
        expected = adjust_to_business_day(inv.due_date, BusinessDayConvention.FOLLOWING)
        settled = state is ApplicationStatus.SETTLED
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
                expected_on=expected,
                collected_amount=offer.face_amount - PAYER_FEE if settled else 0,
                fee_deducted=PAYER_FEE if settled else 0,
                status="collected" if settled else "open",
                collected_on=min(expected, day) if settled else None,
                reserve_released_on=min(expected, day) if settled and offer.holdback else None,
            )
        )
    positions = _bulk(Position, positions)
    report.positions = len(positions)
    entries: list[book.JournalEntry] = []
    for p in positions:
        recipes = spec(p.product).ledger
        decided = p.application.decided_at or timezone.now()
        funded_on = min(timezone.localdate(decided) + timedelta(days=2), day)
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
                description=f"債権買取 請求書{p.invoice.invoice_number}",
            )
        )
        net = p.advance_amount - p.fee - p.admin_fee
        entries.append(
            book.payout(
                f"payout:scale:{p.pk}",
                funded_on,
                client=client,
                cash_account=cash,
                amount=net,
                transfer_fee=TRANSFER_FEE,
            )
        )
        if p.status == "collected":
            on = p.collected_on or day
            entries.append(
                book.collection(
                    f"collection:scale:{p.pk}",
                    on,
                    client=client,
                    debtor=debtor,
                    cash_account=cash,
                    received=p.face_amount - PAYER_FEE,
                    payer_deducted_fee=PAYER_FEE,
                )
            )
            if p.holdback:
                entries.append(
                    recipes.release_holdback(
                        f"reserve:scale:{p.pk}", on, client=client, amount=p.holdback
                    )
                )
                entries.append(
                    book.payout(
                        f"payout:scale:holdback:{p.pk}",
                        on,
                        client=client,
                        cash_account=cash,
                        amount=p.holdback,
                        transfer_fee=TRANSFER_FEE,
                        description="留保金の返還",
                    )
                )
    return entries


_SOLD = (ApplicationStatus.FUNDED, ApplicationStatus.SETTLED)
_CLOSED = (
    ApplicationStatus.DECLINED,
    ApplicationStatus.CANCELLED,
    ApplicationStatus.EXPIRED,
    ApplicationStatus.DRAFT,
)


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, enum.Enum):
            return o.value
        return super().default(o)


def _offer_json(offer: Any, invoice: Invoice) -> dict[str, Any]:
    """The stored offer, shaped as screening stores it (one invoice line)."""
    line = dataclasses.replace(offer, invoice_id=invoice.pk)
    value = {
        **{
            k: getattr(line, k)
            for k in ("face_amount", "advance_amount", "fee", "admin_fee", "net_payout", "holdback")
        },
        "payout_date": line.payout_date,
        "expires_on": line.expires_on,
        "invoices": [dataclasses.asdict(line)],
    }
    return dict(json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False)))


def _result(invoice: Invoice, state: ApplicationStatus, offer: Any) -> dict[str, Any]:
    if state in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
        return {}
    outcome = {
        ApplicationStatus.DECLINED: "decline",
        ApplicationStatus.REFERRED: "refer",
    }.get(state, "approve")
    return {
        "outcome": outcome,
        "model_notice": "",
        "reasons": [],
        "invoices": [
            {
                "invoice": invoice.pk,
                "invoice_number": invoice.invoice_number,
                "debtor": invoice.debtor.name,
                "outcome": outcome,
                "reasons": [],
                "grade": offer.grade if offer else "",
                "risks": [],
                "reality": {},
                "offer": None,
            }
        ],
    }


def timed(n: int, seed: int, progress: Progress = _no_progress) -> tuple[Report, float]:
    start = time.perf_counter()
    report = make_scale(n, seed=seed, progress=progress)
    return report, time.perf_counter() - start
