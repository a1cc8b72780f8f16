"""Every state change of bulk factoring (一括ファクタリング, docs/bulk.md).

One atomic transaction per function, one audit record per change, money only through ledger
recipes (:mod:`urikake.domain.ledger_bulk`) and treasury payouts (dual control before a
transfer leaves). A money move is idempotent by construction: an early payment locks its
payable and its ledger entry id names it (``bulk:payable:<id>:early``); a due date is
settled once per buyer (``bulk:<program>:settle:<due date>``, unique in the database).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.applicants.services import current_payout_account
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.bulk.models import (
    BuyerProgram,
    FeeInvoice,
    Payable,
    PayableUpload,
    Settlement,
    Supplier,
)
from urikake.contracts import agreements
from urikake.domain import bulk as rules
from urikake.domain import ledger as book
from urikake.domain import ledger_bulk as bulk_book
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import is_valid_corporate_number, normalize_corporate_number
from urikake.domain.money import format_rate_percent
from urikake.ledger import services as ledger
from urikake.notifications.services import notify
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code, payout_queue_date, platform_cash_account

#: The buyer pays its monthly fee within this many days of the invoice (then the next bank
#: business day).
FEE_PAYMENT_DAYS = 30


class UploadRefused(DomainError):
    """The whole file was refused; ``errors`` lists every problem (row and column named)."""

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(
            "bulk.upload_refused",
            f"取り込めませんでした（{len(errors)}件の誤り）。ファイルを直して、もう一度お送りください。",
            field=first.field,
            line=first.line,
        )
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        """The API body lists every problem (row, column, message)."""
        out: dict[str, Any] = dict(super().as_dict())
        out["problems"] = [e.as_dict() for e in self.errors[:1000]]
        return out


def _today() -> date:
    return timezone.localdate()


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _rate(value: Any) -> Decimal:
    try:
        r = Decimal(str(value))
    except ArithmeticError:
        raise DomainError(
            "bulk.rate", "割引率は数値で指定してください。", field="risk_rate"
        ) from None
    if not r.is_finite() or r < 0 or r > rules.MAX_RISK_RATE:
        raise DomainError(
            "bulk.rate_range", "割引率は年0%以上30%以下で指定してください。", field="risk_rate"
        )
    return r


# --- enrolment ---------------------------------------------------------------------------------


def program_of(organization: Organization | None) -> BuyerProgram | None:
    """The buyer programme of an organisation (None: it is not a buyer)."""
    if organization is None:
        return None
    return BuyerProgram.objects.filter(organization=organization, is_active=True).first()


def enroll_buyer(
    organization: Organization,
    *,
    risk_rate: Decimal,
    base_fee: int,
    per_item_fee: int,
    acting_user: User,
) -> BuyerProgram:
    """The operator enrols a buyer (支払企業) with its price (risk rate, fees)."""
    rate = _rate(risk_rate)
    rules.FeeTerms(base_fee, per_item_fee)
    if not organization.is_corporation:
        raise DomainError("bulk.buyer_kind", "支払企業は法人に限ります。", field="organization")
    with transaction.atomic():
        if BuyerProgram.objects.filter(organization=organization).exists():
            raise DomainError(
                "bulk.already_buyer",
                "この申込者は支払企業として登録済みです。",
                field="organization",
            )
        program = BuyerProgram.objects.create(
            organization=organization,
            risk_rate=rate,
            base_fee=base_fee,
            per_item_fee=per_item_fee,
            created_by=acting_user,
        )
        audit.record(
            "bulk.buyer_enrolled",
            actor=acting_user,
            obj=program,
            payload={"rate": str(rate), "base_fee": base_fee, "per_item_fee": per_item_fee},
        )
        notify(
            "bulk_buyer_enrolled",
            organization=organization,
            subject=f"bulk_program:{program.pk}",
            context={},
            url="/my/bulk/",
        )
    return program


def set_terms(
    program: BuyerProgram,
    *,
    risk_rate: Decimal,
    base_fee: int,
    per_item_fee: int,
    acting_user: User,
) -> BuyerProgram:
    """Change the buyer's price; early payments already made keep theirs."""
    rate = _rate(risk_rate)
    rules.FeeTerms(base_fee, per_item_fee)
    with transaction.atomic():
        locked = BuyerProgram.objects.select_for_update().get(pk=program.pk)
        before = {
            "rate": str(locked.risk_rate),
            "base_fee": locked.base_fee,
            "per_item_fee": locked.per_item_fee,
        }
        locked.risk_rate, locked.base_fee, locked.per_item_fee = rate, base_fee, per_item_fee
        locked.save(update_fields=["risk_rate", "base_fee", "per_item_fee"])
        audit.record(
            "bulk.terms_changed",
            actor=acting_user,
            obj=locked,
            payload={
                "before": before,
                "after": {"rate": str(rate), "base_fee": base_fee, "per_item_fee": per_item_fee},
            },
        )
    return locked


def add_supplier(
    program: BuyerProgram, *, organization: Organization, code: str, acting_user: User
) -> Supplier:
    """Register one of the buyer's suppliers (an organisation on the platform) under the
    buyer's supplier code; the supplier is asked to sign the three-party agreement."""
    code = (code or "").strip()
    if not code or len(code) > 20 or not code.isascii() or not code.isalnum():
        raise DomainError(
            "bulk.supplier_code",
            "仕入先コードは20文字以内の英数字で入力してください。",
            field="code",
        )
    if organization.pk == program.organization_id:
        raise DomainError(
            "bulk.self_supplier", "支払企業自身は仕入先にできません。", field="organization"
        )
    with transaction.atomic():
        if Supplier.objects.filter(program=program, code=code).exists():
            raise DomainError("bulk.code_taken", "この仕入先コードは登録済みです。", field="code")
        if Supplier.objects.filter(program=program, organization=organization).exists():
            raise DomainError(
                "bulk.supplier_taken", "この仕入先は登録済みです。", field="organization"
            )
        supplier = Supplier.objects.create(
            program=program,
            organization=organization,
            code=code,
            corporate_number=organization.corporate_number or "",
        )
        agreements.prepare(
            supplier,
            number=f"UB-{supplier.program_id:05d}-{supplier.pk:06d}",
            render=agreement_pdf,
            fields=agreements.AGREEMENT,
        )
        audit.record(
            "bulk.supplier_added",
            actor=acting_user,
            obj=supplier,
            payload={"program": program.pk, "code": code, "organization": organization.pk},
        )
        notify(
            "bulk_supplier_invited",
            organization=organization,
            subject=f"bulk_supplier:{supplier.pk}",
            context={"buyer": program.organization.name},
            url=f"/my/bulk/programs/{supplier.pk}/",
        )
    return supplier


# --- the three-party agreement --------------------------------------------------------------


def agreement_pdf(supplier: Supplier) -> bytes:
    """一括ファクタリング契約書（三者間）: supplier, buyer and platform; price and flow."""
    from urikake.contracts.pdf import render_plain  # reportlab, when a PDF is made

    program = supplier.program
    buyer = program.organization
    platform = getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ"
    blocks: list[tuple[str, str | list[list[str]]]] = [
        (
            "",
            f"債権者 {supplier.organization.name}（以下「甲」）、債務者 {buyer.name}（以下「乙」）"
            f"および {platform}（以下「丙」）は、乙が甲に支払う買掛金について、次のとおり"
            "一括ファクタリング契約を締結する。",
        ),
        (
            "第1条（対象債権）",
            "乙が丙に通知した甲宛ての支払予定（請求書番号、金額、支払期日）を対象債権とする。"
            "乙は対象債権の丙への譲渡をあらかじめ承諾する。",
        ),
        (
            "第2条（早期支払）",
            "甲は対象債権のいずれについても、支払期日前に丙へ譲渡し代金の支払を受けることができる。"
            "代金は額面から割引料を差し引いた額とし、割引料は額面に乙の割引率"
            f"（現在 年{format_rate_percent(Decimal(program.risk_rate), 3)}）を乗じ、"
            "支払日から支払期日までの日数を365で除した額（1円未満切捨て）とする。",
        ),
        (
            "第3条（期日支払）",
            "乙は支払期日に、その日が期日の対象債権の全額を丙に一括して支払う。丙は早期支払を"
            "受けなかった甲に、額面の全額を支払期日に振り込む。",
        ),
        (
            "第4条（利用料）",
            "本契約の利用料は乙が負担し、甲は割引料のほかに費用を負担しない。",
        ),
        (
            "第5条（仕入先コード）",
            f"乙における甲の仕入先コードは「{supplier.code}」とする。",
        ),
    ]
    return render_plain("一括ファクタリング契約書（三者間）", supplier.agreement_number, blocks)


def sign_agreement(
    supplier: Supplier, *, acting_user: User, agreed_sha256: str, ip_address: str | None
) -> Supplier:
    """The supplier agrees to the agreement it was shown, once; the platform seals it."""
    with transaction.atomic():
        locked = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if locked.signed_at is not None:
            return locked
        agreements.seal_agreed(
            locked,
            agreed_sha256=agreed_sha256,
            changed_code="bulk.agreement_changed",
            consent="一括ファクタリング契約（三者間）への仕入先の同意",
            acting_user=acting_user,
            ip_address=ip_address,
            fields=agreements.AGREEMENT,
        )
        locked.save(update_fields=["signed_pdf", "signed_sha256", "signed_by", "signed_at"])
        audit.record(
            "bulk.agreement_signed",
            actor=acting_user,
            obj=locked,
            payload={"sha256": locked.agreement_sha256, "signed_sha256": locked.signed_sha256},
        )
    return locked


# --- the buyer's payables ---------------------------------------------------------------------


def _resolver(program: BuyerProgram) -> Any:
    by_code = {s.code: s.pk for s in program.suppliers.all()}
    by_number = {s.corporate_number: s.pk for s in program.suppliers.all() if s.corporate_number}

    def resolve(key: str) -> int | None:
        if key in by_code:
            return by_code[key]
        if key.isdigit() and len(key) == 13 and is_valid_corporate_number(key):
            return by_number.get(normalize_corporate_number(key))
        return None

    return resolve


def upload_payables(
    program: BuyerProgram, data: bytes, *, filename: str, acting_user: Actor
) -> PayableUpload:
    """Import the buyer's payables, all or nothing. Raises :class:`UploadRefused` listing
    every error; on success the consented suppliers are told."""
    today = _today()
    with transaction.atomic():
        locked = BuyerProgram.objects.select_for_update().get(pk=program.pk)
        if not locked.is_active:
            raise DomainError("bulk.inactive", "一括ファクタリングのご利用は停止されています。")
        existing = set(
            Payable.objects.filter(program=locked).values_list("supplier_id", "invoice_number")
        )
        rows, errors = rules.parse_payables_csv(
            data,
            today=today,
            resolve_supplier=_resolver(locked),
            known_invoices=lambda s, n: (s, n) in existing,
        )
        if errors:
            raise UploadRefused(errors)
        suppliers = {s.pk: s for s in locked.suppliers.all()}
        upload = PayableUpload.objects.create(
            program=locked,
            filename=(filename or "payables.csv")[:255],
            sha256=hashlib.sha256(data).hexdigest(),
            rows=len(rows),
            total=sum(r.amount for r in rows),
            uploaded_by=_user(acting_user),
        )
        Payable.objects.bulk_create(
            [
                Payable(
                    program=locked,
                    supplier_id=r.supplier_id,
                    organization_id=suppliers[r.supplier_id].organization_id,
                    upload=upload,
                    invoice_number=r.invoice_number,
                    amount=r.amount,
                    due_date=r.due_date,
                )
                for r in rows
            ]
        )
        audit.record(
            "bulk.payables_uploaded",
            actor=acting_user,
            obj=upload,
            payload={"program": locked.pk, "rows": upload.rows, "total": upload.total},
        )
        per_supplier: dict[int, tuple[int, int]] = {}
        for r in rows:
            n, t = per_supplier.get(r.supplier_id, (0, 0))
            per_supplier[r.supplier_id] = (n + 1, t + r.amount)
        for supplier_id, (count, total) in sorted(per_supplier.items()):
            supplier = suppliers[supplier_id]
            notify(
                "bulk_receivables_added",
                organization=supplier.organization,
                subject=f"bulk_upload:{upload.pk}:{supplier_id}",
                context={"buyer": locked.organization.name, "count": count, "amount_yen": total},
                url=f"/my/bulk/programs/{supplier_id}/",
            )
    return upload


# --- early payment ------------------------------------------------------------------------------


def quote(payable: Payable, *, on: date | None = None) -> rules.EarlyPaymentQuote:
    """What the supplier would receive for ``payable`` if it asked now (at the buyer's rate
    now): discounted from the day the money would arrive, today before the bank's cut-off,
    else the next bank business day, to the due date."""
    return rules.quote(
        payable.amount,
        Decimal(payable.program.risk_rate),
        paid_on=on or payout_queue_date(),
        due_on=payable.due_date,
    )


def request_early_payment(
    payable: Payable, *, acting_user: User, expected_net: int | None = None
) -> Payable:
    """The supplier asks for early payment: the platform buys the receivable at the quote
    and queues the payout (treasury: dual control before the transfer leaves).

    ``expected_net`` is what the supplier was shown; a different price now (the rate changed
    or the day turned) is refused rather than paid silently."""
    today = _today()
    with transaction.atomic():
        locked = (
            Payable.objects.select_for_update()
            .select_related("program", "program__organization", "supplier", "organization")
            .get(pk=payable.pk)
        )
        if locked.status == Payable.Status.EARLY:
            return locked  # already bought: the same answer (idempotent)
        if locked.status != Payable.Status.OPEN:
            raise DomainError("bulk.not_open", "この債権は支払済みのため早期支払できません。")
        if not locked.supplier.consented:
            raise DomainError(
                "bulk.no_agreement", "先に一括ファクタリング契約（三者間）への同意が必要です。"
            )
        # The discount runs from the day the money arrives, not from the day of the request.
        value_date = payout_queue_date()
        q = quote(locked, on=value_date)
        if expected_net is not None and expected_net != q.net:
            raise DomainError(
                "bulk.quote_changed",
                f"お支払額が変わりました（現在 {q.net:,}円）。"
                "内容をご確認のうえ、もう一度お申し込みください。",
                field="expected_net",
            )
        account = current_payout_account(locked.organization)
        if account is None:
            raise DomainError("funding.no_payout_account", "振込先口座が登録されていません。")
        buyer = client_code(locked.program.organization_id)
        ledger.post(
            bulk_book.early_purchase(
                f"bulk:payable:{locked.pk}:early",
                today,
                buyer=buyer,
                supplier=client_code(locked.organization_id),
                face=q.face,
                discount=q.discount,
                description=f"一括ファクタリング 早期支払 {locked.invoice_number}",
            ),
            actor=acting_user,
        )
        payout = Payout.objects.create(
            organization_id=locked.organization_id,
            application=None,
            kind=Payout.Kind.BULK,
            amount=q.net,
            requested_for=payout_queue_date(value_date),
            **Payout.beneficiary(account),
        )
        locked.status = Payable.Status.EARLY
        locked.early_rate = q.annual_rate
        locked.early_days = q.days
        locked.discount = q.discount
        locked.early_paid_on = payout.requested_for
        locked.early_payout = payout
        locked.early_by = acting_user
        locked.save()
        audit.record(
            "bulk.early_paid",
            actor=acting_user,
            obj=locked,
            payload={
                "face": q.face,
                "rate": str(q.annual_rate),
                "days": q.days,
                "discount": q.discount,
                "net": q.net,
                "apr": str(q.apr),
                "payout": payout.pk,
            },
        )
        notify(
            "bulk_early_requested",
            organization=locked.organization,
            subject=f"bulk_payable:{locked.pk}",
            context={
                "invoice": locked.invoice_number,
                "amount_yen": q.net,
                "discount_yen": q.discount,
            },
            url=f"/my/bulk/programs/{locked.supplier_id}/",
        )
    return locked


# --- the due date -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    due_date: date
    count: int
    total: int  # what the buyer owes the platform that day
    early: int  # face of the payables bought early
    open: int  # face owed to suppliers who did not discount
    settled: bool
    overdue: bool


def due_dates(program: BuyerProgram, *, today: date | None = None) -> list[DueDate]:
    """The buyer's due dates with what it owes on each (the ageing of the programme)."""
    today = today or _today()
    settled = set(program.settlements.values_list("due_date", flat=True))
    rows = (
        Payable.objects.filter(program=program)
        .values("due_date")
        .annotate(
            count=Count("pk"),
            total=Sum("amount"),
            early=Sum("amount", filter=Q(status=Payable.Status.EARLY)),
        )
        .order_by("due_date")
    )
    out = []
    for r in rows:
        early = int(r["early"] or 0)
        is_settled = r["due_date"] in settled
        out.append(
            DueDate(
                due_date=r["due_date"],
                count=r["count"],
                total=int(r["total"]),
                early=early,
                open=int(r["total"]) - early,
                settled=is_settled,
                overdue=not is_settled and r["due_date"] < today,
            )
        )
    return out


def record_buyer_payment(
    program: BuyerProgram,
    *,
    due_date: date,
    amount: int,
    received_on: date,
    reference: str,
    acting_user: Actor,
) -> Settlement:
    """The buyer paid the platform for ``due_date``: the money is applied to the receivables
    bought early and the rest becomes payable to each supplier who did not discount — one
    payout per supplier, all on the due date, so they leave in one 総合振込 file.

    The payment must be the whole amount due that day (a partial payment is not applied —
    it stays in 仮受金 for staff to chase; see docs/bulk.md)."""
    reference = (reference or "").strip()[:60]
    if not reference:
        raise DomainError("bulk.reference", "照会番号を入力してください。", field="reference")
    if received_on > _today():
        raise DomainError(
            "bulk.future", "入金日に未来の日付は指定できません。", field="received_on"
        )
    with transaction.atomic():
        locked = BuyerProgram.objects.select_for_update().get(pk=program.pk)
        existing = Settlement.objects.filter(program=locked, due_date=due_date).first()
        if existing is not None:
            if (existing.amount, existing.reference) != (amount, reference):
                raise DomainError(
                    "bulk.already_settled", "この支払期日は決済済みです。", field="due_date"
                )
            return existing
        payables = list(
            Payable.objects.select_for_update()
            .filter(program=locked, due_date=due_date)
            .select_related("organization", "supplier")
            .order_by("pk")
        )
        if not payables:
            raise DomainError(
                "bulk.no_payables", "この支払期日の明細はありません。", field="due_date"
            )
        total = sum(p.amount for p in payables)
        if amount != total:
            raise DomainError(
                "bulk.amount_mismatch",
                f"入金額がこの支払期日の合計（{total:,}円）と一致しません。",
                field="amount",
            )
        bought = sum(p.amount for p in payables if p.status == Payable.Status.EARLY)
        owed: dict[int, int] = defaultdict(int)
        for p in payables:
            if p.status == Payable.Status.OPEN:
                owed[p.organization_id] += p.amount
        missing = [
            org_id
            for org_id in owed
            if current_payout_account(Organization.objects.get(pk=org_id)) is None
        ]
        if missing:
            raise DomainError(
                "funding.no_payout_account",
                f"振込先口座が登録されていない仕入先があります（{len(missing)}社）。",
            )
        ref = f"bulk:{locked.pk}:settle:{due_date.isoformat()}"
        ledger.post(
            book.deposit_received(
                f"{ref}:received",
                received_on,
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"一括ファクタリング 支払企業入金 {locked.organization.name}",
            ),
            actor=acting_user,
        )
        ledger.post(
            bulk_book.settlement_applied(
                ref,
                received_on,
                buyer=client_code(locked.organization_id),
                bought=bought,
                to_suppliers={client_code(k): v for k, v in owed.items()},
                description=f"一括ファクタリング 期日決済 {due_date:%Y-%m-%d}",
            ),
            actor=acting_user,
        )
        settlement = Settlement.objects.create(
            program=locked,
            due_date=due_date,
            amount=amount,
            received_on=received_on,
            reference=reference,
            bought=bought,
            paid_to_suppliers=sum(owed.values()),
            created_by=_user(acting_user),
        )
        # The transfers leave on the due date (or the next bank business day).
        value_date = max(due_date, received_on)
        if not is_bank_business_day(value_date):
            value_date = next_bank_business_day(value_date)
        payouts: dict[int, Payout] = {}
        for org_id, owed_amount in sorted(owed.items()):
            org = Organization.objects.get(pk=org_id)
            account = current_payout_account(org)
            assert account is not None  # checked above
            payouts[org_id] = Payout.objects.create(
                organization_id=org_id,
                application=None,
                kind=Payout.Kind.BULK,
                amount=owed_amount,
                requested_for=payout_queue_date(value_date),
                **Payout.beneficiary(account),
            )
        for p in payables:
            p.settlement = settlement
            if p.status == Payable.Status.OPEN:
                p.status = Payable.Status.SETTLED
                p.maturity_payout = payouts[p.organization_id]
        Payable.objects.bulk_update(payables, ["settlement", "status", "maturity_payout"])
        audit.record(
            "bulk.settled",
            actor=acting_user,
            obj=settlement,
            payload={
                "program": locked.pk,
                "due_date": due_date.isoformat(),
                "amount": amount,
                "bought": bought,
                "payouts": [p.pk for p in payouts.values()],
            },
        )
        for org_id, payout in payouts.items():
            notify(
                "bulk_paid_at_maturity",
                organization=payout.organization,
                subject=f"bulk_settlement:{settlement.pk}:{org_id}",
                context={
                    "buyer": locked.organization.name,
                    "amount_yen": payout.amount,
                    "value_date": value_date.isoformat(),
                },
                url="/my/bulk/",
            )
    return settlement


# --- monthly fees (III.5) ----------------------------------------------------------------------


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def items_in_month(program: BuyerProgram, month: date) -> int:
    """The payables the buyer uploaded in ``month`` (the per-item fee counts them)."""
    start = _month_start(month)
    return Payable.objects.filter(
        program=program,
        upload__uploaded_at__date__gte=start,
        upload__uploaded_at__date__lt=_next_month(start),
    ).count()


def fee_invoice_pdf(invoice: FeeInvoice) -> bytes:
    from urikake.contracts.pdf import render_plain  # reportlab, when a PDF is made

    program = invoice.program
    platform = getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ"
    m = invoice.month
    rows = [
        ["項目", "数量", "単価", "金額"],
        ["月額基本料", "1", f"{invoice.base_fee:,}円", f"{invoice.base_fee:,}円"],
        [
            "明細ごとの利用料",
            f"{invoice.items:,}",
            f"{invoice.per_item_fee:,}円",
            f"{invoice.per_item_fee * invoice.items:,}円",
        ],
        ["合計", "", "", f"{invoice.amount:,}円"],
    ]
    blocks: list[tuple[str, str | list[list[str]]]] = [
        ("", f"{program.organization.name} 御中"),
        (
            "",
            f"{m.year}年{m.month}月分の一括ファクタリング利用料を、次のとおりご請求します。"
            f"請求元: {platform}",
        ),
        ("", rows),
        (
            "お支払期限",
            f"{invoice.due_date.year}年{invoice.due_date.month}月{invoice.due_date.day}日",
        ),
    ]
    return render_plain("一括ファクタリング利用料 請求書", invoice.number, blocks)


def issue_fee_invoice(program: BuyerProgram, *, month: date, acting_user: Actor) -> FeeInvoice:
    """Invoice the buyer's monthly fee for ``month`` (once; a repeat returns the invoice)."""
    start = _month_start(month)
    if start > _month_start(_today()):
        raise DomainError("bulk.future_month", "未来の月の利用料は請求できません。", field="month")
    with transaction.atomic():
        locked = BuyerProgram.objects.select_for_update().get(pk=program.pk)
        existing = FeeInvoice.objects.filter(program=locked, month=start).first()
        if existing is not None:
            return existing
        terms = rules.FeeTerms(int(locked.base_fee), int(locked.per_item_fee))
        items = items_in_month(locked, start)
        amount = rules.monthly_fee(terms, items)
        if amount <= 0:
            raise DomainError("bulk.no_fee", "この月の利用料はありません。", field="month")
        due = _today() + timedelta(days=FEE_PAYMENT_DAYS)
        if not is_bank_business_day(due):
            due = next_bank_business_day(due)
        invoice = FeeInvoice.objects.create(
            program=locked,
            organization=locked.organization,
            month=start,
            number=f"UBF-{locked.pk:05d}-{start:%Y%m}",
            items=items,
            base_fee=terms.base_fee,
            per_item_fee=terms.per_item_fee,
            amount=amount,
            due_date=due,
            pdf=b"",
            sha256="",
        )
        pdf = fee_invoice_pdf(invoice)
        invoice.pdf = pdf
        invoice.sha256 = hashlib.sha256(pdf).hexdigest()
        invoice.save(update_fields=["pdf", "sha256"])
        ledger.post(
            bulk_book.fee_invoiced(
                f"bulk:{locked.pk}:fee:{start:%Y-%m}",
                _today(),
                buyer=client_code(locked.organization_id),
                amount=amount,
                description=f"一括ファクタリング利用料 {start:%Y年%m月}分",
            ),
            actor=acting_user,
        )
        audit.record(
            "bulk.fee_invoiced",
            actor=acting_user,
            obj=invoice,
            payload={"month": start.isoformat(), "items": items, "amount": amount},
        )
        notify(
            "bulk_fee_invoiced",
            organization=locked.organization,
            subject=f"bulk_fee_invoice:{invoice.pk}",
            context={"amount_yen": amount, "due_date": due.isoformat()},
            url="/my/bulk/",
        )
    return invoice


def record_fee_payment(
    invoice: FeeInvoice, *, amount: int, received_on: date, acting_user: Actor
) -> FeeInvoice:
    """The buyer paid its monthly invoice (the whole amount, once)."""
    with transaction.atomic():
        locked = FeeInvoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.paid_on is not None:
            return locked
        if amount != locked.amount:
            raise DomainError(
                "bulk.fee_mismatch",
                f"入金額が請求額（{locked.amount:,}円）と一致しません。",
                field="amount",
            )
        if received_on > _today():
            raise DomainError(
                "bulk.future", "入金日に未来の日付は指定できません。", field="received_on"
            )
        ref = f"bulk:{locked.program_id}:fee:{locked.month:%Y-%m}:paid"
        ledger.post(
            book.deposit_received(
                f"{ref}:received",
                received_on,
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"一括ファクタリング利用料 入金 {locked.number}",
            ),
            actor=acting_user,
        )
        ledger.post(
            bulk_book.fee_paid(
                ref,
                received_on,
                buyer=client_code(locked.organization_id),
                amount=amount,
                description=f"一括ファクタリング利用料 消込 {locked.number}",
            ),
            actor=acting_user,
        )
        locked.paid_amount = amount
        locked.paid_on = received_on
        locked.save(update_fields=["paid_amount", "paid_on"])
        audit.record("bulk.fee_paid", actor=acting_user, obj=locked, payload={"amount": amount})
    return locked
