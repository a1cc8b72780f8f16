"""Every state change of guarantee factoring (docs/guarantees.md).

One atomic transaction per function, one audit record per change, money only through the
ledger recipes of :mod:`urikake.domain.ledger_guarantees` and treasury payouts (dual
control). Money moves are idempotent: each ledger entry id names its source
(``guarantee:<contract>:premium:<reference>`` …), a claim is paid once under a row lock, a
recovery is unique per (claim, bank reference).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from urikake.accounts.models import User
from urikake.accounts.roles import Capability
from urikake.applicants.models import Organization
from urikake.applicants.services import current_payout_account
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.contracts import agreements
from urikake.domain import guarantees as rules
from urikake.domain import ledger_guarantees as book
from urikake.domain.ageing import Bucket, bucket_for
from urikake.domain.errors import DomainError
from urikake.domain.lending import CreditGrade
from urikake.domain.money import format_rate_percent
from urikake.guarantees.models import (
    Claim,
    DebtorLimit,
    GuaranteeContract,
    GuaranteedReceivable,
    Recovery,
)
from urikake.ledger import services as ledger
from urikake.notifications import services as notifications
from urikake.receivables.encumbrances import ensure_unencumbered
from urikake.receivables.exposure import exposure_of
from urikake.receivables.models import Debtor, DebtorIdentity, Invoice
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code, payout_queue_date, platform_cash_account

#: The per-debtor limit until the operator sets one (与信上限, platform-wide).
DEFAULT_DEBTOR_LIMIT = 50_000_000
MAX_AMOUNT = 1_000_000_000
Status = GuaranteeContract.Status
IN_FORCE = (Status.ACTIVE, Status.CLAIMED)


def _today() -> date:
    return timezone.localdate()


def _yen(value: object, *, field: str, what: str, maximum: int = MAX_AMOUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError("guarantee.amount", f"{what}は1円以上で入力してください。", field=field)
    if value > maximum:
        raise DomainError(
            "guarantee.amount_too_large",
            f"{what}は{maximum:,}円以下で入力してください。",
            field=field,
        )
    return value


def _client(contract: GuaranteeContract) -> str:
    return client_code(contract.organization_id)


def _url(contract: GuaranteeContract) -> str:
    return f"/my/guarantees/{contract.pk}/"


def _tell(contract: GuaranteeContract, event: str, subject: str, **context: Any) -> None:
    notifications.notify(
        event,
        organization=contract.organization,
        subject=subject,
        context={"guarantee": contract.code, **context},
        url=_url(contract),
    )


# --- exposure and the per-debtor limit ----------------------------------------------------------


def guarantee_exposure(identity_id: int) -> int:
    """The guarantees' part of a debtor's exposure: the contingent liability still open (the
    guaranteed amount or limit of each guarantee in force) plus the receivables taken over
    after paid claims, less what was recovered or written off."""
    contingent = GuaranteeContract.objects.filter(debtor__identity_id=identity_id).aggregate(
        total=Sum("contingent")
    )["total"]
    taken_over = 0
    for claim in Claim.objects.filter(
        contract__debtor__identity_id=identity_id, paid_amount__gt=0
    ).only("paid_amount", "recovered", "written_off"):
        taken_over += claim.recovery_open
    return int(contingent or 0) + taken_over


def guaranteed_invoices() -> QuerySet[Any]:
    """Ids of the invoices a guarantee holds: covered now or claimed on, or named by an
    individual guarantee (個別保証) applied for or in force. An encumbrance source."""
    return (
        Invoice.objects.filter(
            Q(
                guaranteed__status__in=[
                    GuaranteedReceivable.Status.COVERED,
                    GuaranteedReceivable.Status.CLAIMED,
                ]
            )
            | Q(
                guarantees__status__in=[
                    GuaranteeContract.Status.SUBMITTED,
                    GuaranteeContract.Status.APPROVED,
                    *IN_FORCE,
                ]
            )
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def debtor_limit(identity: DebtorIdentity) -> int:
    row = DebtorLimit.objects.filter(identity=identity).first()
    return (
        row.limit
        if row
        else int(getattr(settings, "GUARANTEE_DEFAULT_DEBTOR_LIMIT", DEFAULT_DEBTOR_LIMIT))
    )


def set_debtor_limit(
    identity: DebtorIdentity, *, limit: int, note: str, acting_user: User
) -> DebtorLimit:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise DomainError(
            "guarantee.limit", "与信上限額は0円以上で入力してください。", field="limit"
        )
    with transaction.atomic():
        before = debtor_limit(identity)
        row, _ = DebtorLimit.objects.update_or_create(
            identity=identity, defaults={"limit": limit, "note": note[:300], "set_by": acting_user}
        )
        audit.record(
            "guarantee.debtor_limit_set",
            actor=acting_user,
            obj=row,
            payload={"identity": identity.pk, "before": before, "limit": limit},
        )
    return row


def check_limit(debtor: Debtor, adding: int) -> int:
    """Raise the Japanese error with the numbers when ``adding`` would take the debtor over
    its platform-wide limit; returns the room left."""
    return rules.check_debtor_limit(
        exposure_of(debtor.identity_id),
        adding,
        debtor_limit(debtor.identity),
        debtor_name=debtor.identity.display_name,
    )


# --- applying ---------------------------------------------------------------------------------


def apply(
    organization: Organization,
    *,
    acting_user: User,
    scheme: str,
    debtor: Debtor,
    invoice: Invoice | None,
    requested_amount: int,
    period_start: date,
    period_end: date,
    idempotency_key: str = "",
) -> GuaranteeContract:
    try:
        scheme_enum = rules.GuaranteeScheme(scheme)
    except ValueError:
        raise DomainError(
            "guarantee.scheme", "保証の方式を選んでください。", field="scheme"
        ) from None
    if debtor.organization_id != organization.pk:
        raise DomainError("guarantee.debtor", "売掛先が見つかりません。", field="debtor")
    _yen(requested_amount, field="requested_amount", what="希望保証額")
    rules.check_term(period_start, period_end)
    if period_start < _today():
        raise DomainError(
            "guarantee.start_past", "保証開始日は本日以降にしてください。", field="period_start"
        )
    if scheme_enum is rules.GuaranteeScheme.INDIVIDUAL:
        if invoice is None or invoice.organization_id != organization.pk:
            raise DomainError(
                "guarantee.invoice", "保証を受ける請求書を選んでください。", field="invoice"
            )
        if invoice.debtor_id != debtor.pk:
            raise DomainError(
                "guarantee.invoice_debtor",
                "請求書の売掛先が選んだ売掛先と異なります。",
                field="invoice",
            )
        rules.check_guaranteed_amount(requested_amount, invoice.total_amount)
        if not period_start <= invoice.due_date <= period_end:
            raise DomainError(
                "guarantee.due_outside",
                "請求書の支払期日が保証期間に入るようにしてください。",
                field="period_end",
            )
        if GuaranteedReceivable.objects.filter(
            invoice=invoice, status__in=["covered", "claimed"]
        ).exists():
            raise DomainError(
                "guarantee.invoice_covered", "この請求書は既に保証を受けています。", field="invoice"
            )
        # Not sold to us, pledged to a loan, or under another guarantee (double financing).
        ensure_unencumbered([invoice], field="invoice")
    else:
        invoice = None
    with transaction.atomic():
        contract = GuaranteeContract.objects.create(
            organization=organization,
            scheme=scheme_enum.value,
            debtor=debtor,
            invoice=invoice,
            requested_amount=requested_amount,
            period_start=period_start,
            period_end=period_end,
            created_by=acting_user,
            idempotency_key=idempotency_key[:255],
        )
        audit.record(
            "guarantee.applied",
            actor=acting_user,
            obj=contract,
            payload={
                "scheme": scheme_enum.value,
                "debtor": debtor.pk,
                "invoice": invoice.pk if invoice else None,
                "requested_amount": requested_amount,
            },
        )
        _tell(
            contract, "guarantee_received", f"guarantee:{contract.pk}", amount_yen=requested_amount
        )
        notifications.notify_staff(
            "guarantee_waiting",
            capability=Capability.REVIEW_APPLICATIONS,
            subject=f"guarantee:{contract.pk}",
            context={
                "guarantee": contract.code,
                "organization_name": organization.name,
                "amount_yen": requested_amount,
            },
            url=f"/backoffice/guarantees/{contract.pk}/",
        )
    return contract


# --- the decision and the contract ------------------------------------------------------------


def decide(
    contract: GuaranteeContract,
    *,
    acting_user: User,
    approve: bool,
    comment: str,
    grade: str = "",
    amount: int | None = None,
    premium_rate: Decimal | None = None,
    premium_basis: str = rules.PremiumBasis.LIMIT.value,
    coverage_ratio: Decimal = Decimal(1),
    waiting_days: int = 30,
) -> GuaranteeContract:
    """Approve (grade → premium rate, amount, waiting period, coverage; the debtor limit is
    checked now and again at issue) or decline. Approval prepares the contract PDF."""
    with transaction.atomic():
        locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
        if locked.status != Status.SUBMITTED:
            raise DomainError("guarantee.decided", "この保証の審査は終わっています。")
        locked.decision_comment = comment.strip()[:2000]
        locked.decided_by = acting_user
        locked.decided_at = timezone.now()
        if not approve:
            if not locked.decision_comment:
                raise DomainError(
                    "guarantee.comment", "見送りの理由を入力してください。", field="comment"
                )
            locked.status = Status.DECLINED
            locked.save()
            audit.record("guarantee.declined", actor=acting_user, obj=locked, payload={})
            _tell(locked, "guarantee_declined", f"guarantee:{locked.pk}:decision")
            return locked
        try:
            grade_enum = CreditGrade(grade)
        except ValueError:
            raise DomainError(
                "guarantee.grade", "信用格付けを選んでください。", field="grade"
            ) from None
        decided = _yen(
            amount if amount is not None else locked.requested_amount,
            field="amount",
            what="保証金額",
        )
        if locked.invoice is not None:
            rules.check_guaranteed_amount(decided, locked.invoice.total_amount)
        rate = rules.premium_rate(grade_enum, premium_rate)
        basis = rules.PremiumBasis(premium_basis) if locked.revolving else rules.PremiumBasis.LIMIT
        rules.claim_payable_from(locked.period_start, waiting_days)  # validates
        if not Decimal(0) < coverage_ratio <= Decimal(1):
            raise DomainError(
                "guarantee.coverage_ratio",
                "填補率は0%超100%以下で指定してください。",
                field="coverage_ratio",
            )
        check_limit(locked.debtor, decided)
        locked.grade = grade_enum.value
        locked.amount = decided
        locked.premium_rate = rate
        locked.premium_basis = basis.value
        locked.coverage_ratio = coverage_ratio
        locked.waiting_days = waiting_days
        locked.status = Status.APPROVED
        locked.save()
        agreements.prepare(locked, number=f"UG-{locked.pk:08d}", render=contract_pdf)
        audit.record(
            "guarantee.approved",
            actor=acting_user,
            obj=locked,
            payload={
                "grade": grade_enum.value,
                "amount": decided,
                "premium_rate": str(rate),
                "premium_basis": basis.value,
                "coverage_ratio": str(coverage_ratio),
                "waiting_days": waiting_days,
                "premium": planned_premium(locked),
            },
        )
        _tell(locked, "guarantee_approved", f"guarantee:{locked.pk}:decision")
    return locked


def planned_premium(contract: GuaranteeContract) -> int:
    """The premium charged at issue: on the guaranteed amount (個別保証) or the limit
    (根保証, basis "limit"); 0 when it is charged on usage."""
    if contract.amount is None or contract.premium_rate is None:
        return 0
    if contract.revolving and contract.premium_basis == rules.PremiumBasis.USAGE:
        return 0
    return rules.premium(int(contract.amount), Decimal(contract.premium_rate))


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def contract_pdf(contract: GuaranteeContract) -> bytes:
    """保証契約書 (保証ファクタリング): parties, scheme, amount, premium, claims, assignment."""
    from urikake.contracts.pdf import render_plain  # reportlab, when a PDF is made

    guarantor = getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ"
    amount = int(contract.amount or 0)
    rate = Decimal(contract.premium_rate or 0)
    if contract.revolving:
        subject = (
            f"乙の売掛先 {contract.debtor.name} に対する、保証期間中に発生する売掛債権"
            f"（債権を特定しない）。保証極度額 {amount:,}円。"
        )
        if contract.premium_basis == rules.PremiumBasis.USAGE:
            fee = (
                "保証料は、乙が報告した保証対象の債権額に保証期間分として"
                f"{format_rate_percent(rate, 2)}を乗じた額（1円未満切捨て）とし、"
                "報告のつど請求する。"
            )
        else:
            fee = (
                f"保証料は保証極度額に{format_rate_percent(rate, 2)}を乗じた"
                f"{planned_premium(contract):,}円（1円未満切捨て）とし、保証開始時に請求する。"
            )
    else:
        invoice = contract.invoice
        assert invoice is not None
        subject = (
            f"乙の売掛先 {contract.debtor.name} に対する売掛債権（請求書番号 "
            f"{invoice.invoice_number}、額面 {invoice.total_amount:,}円、支払期日 "
            f"{_d(invoice.due_date)}）。保証金額 {amount:,}円。"
        )
        fee = (
            f"保証料は保証金額に{format_rate_percent(rate, 2)}を乗じた"
            f"{planned_premium(contract):,}円（1円未満切捨て）とし、保証開始時に請求する。"
        )
    blocks: list[tuple[str, str | list[list[str]]]] = [
        (
            "",
            f"保証人 {guarantor}（以下「甲」）と {contract.organization.name}（以下「乙」）は、"
            f"次のとおり売掛債権の支払保証契約（{contract.scheme_enum.label_ja}方式）を締結する。"
            "乙は売掛債権を保有したまま、自ら回収する。",
        ),
        ("第1条（保証の対象）", subject),
        ("第2条（保証期間）", f"{_d(contract.period_start)}から{_d(contract.period_end)}まで。"),
        ("第3条（保証料）", fee),
        (
            "第4条（保証履行の請求）",
            "売掛先が倒産その他の事由により支払期日に支払わないときは、乙は証拠書類を添えて"
            f"保証履行を請求できる。甲は支払不能の発生日から{contract.waiting_days}日の"
            "待機期間を経過した後、未回収額と補償枠の残額の小さい方に填補率"
            f"{format_rate_percent(Decimal(contract.coverage_ratio), 0)}を乗じた額"
            "（1円未満切捨て）を支払う。",
        ),
        (
            "第5条（債権の譲渡）",
            "甲が保証を履行したときは、乙は当該売掛債権を甲に譲渡し、甲は売掛先から回収する。"
            "乙は債権譲渡の通知その他の手続きに協力する。",
        ),
        (
            "第6条（入金の報告）",
            "乙は保証対象の売掛債権の入金を受けたときは、速やかに甲に報告する。",
        ),
    ]
    return render_plain("売掛債権支払保証契約書", contract.contract_number, blocks)


def sign_contract(
    contract: GuaranteeContract, *, acting_user: User, agreed_sha256: str, ip_address: str | None
) -> GuaranteeContract:
    """The client agrees to the contract it was shown; the platform seals it (PAdES) and the
    guarantee is issued: premium charged, contingent liability booked."""
    with transaction.atomic():
        locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
        if locked.signed_at is not None:
            return locked
        if locked.status != Status.APPROVED:
            raise DomainError(
                "guarantee.not_signable", "この保証は契約を締結できる状態ではありません。"
            )
        agreements.seal_agreed(
            locked,
            agreed_sha256=agreed_sha256,
            changed_code="guarantee.contract_changed",
            consent="売掛債権支払保証契約への同意",
            acting_user=acting_user,
            ip_address=ip_address,
        )
        locked.save()
        audit.record(
            "guarantee.contracted",
            actor=acting_user,
            obj=locked,
            payload={"sha256": locked.contract_sha256, "signed_sha256": locked.signed_sha256},
        )
        _issue(locked, acting_user)
    return locked


def _issue(contract: GuaranteeContract, actor: Actor) -> None:
    """The guarantee starts: the limit is checked against the platform-wide exposure once
    more, the premium charged, the contingent liability booked."""
    amount = int(contract.amount or 0)
    room = check_limit(contract.debtor, amount)
    today = _today()
    fee = planned_premium(contract)
    if fee:
        ledger.post(
            book.premium_charged(
                f"guarantee:{contract.pk}:premium",
                today,
                client=_client(contract),
                amount=fee,
                description=f"保証料の請求 {contract.code}",
            ),
            actor=actor,
        )
    ledger.post(
        book.guarantee_issued(
            f"guarantee:{contract.pk}:issue",
            today,
            amount=amount,
            description=f"保証債務の発生 {contract.code}",
        ),
        actor=actor,
    )
    if contract.invoice is not None:
        GuaranteedReceivable.objects.create(
            contract=contract,
            organization_id=contract.organization_id,
            invoice=contract.invoice,
            amount=amount,
        )
    contract.premium_charged = fee
    contract.contingent = amount
    contract.status = Status.ACTIVE
    contract.save(update_fields=["premium_charged", "contingent", "status"])
    audit.record(
        "guarantee.issued",
        actor=actor,
        obj=contract,
        payload={"amount": amount, "premium": fee, "room_left_on_debtor": room},
    )
    _tell(contract, "guarantee_issued", f"guarantee:{contract.pk}:issued", premium_yen=fee)


# --- while the guarantee runs -----------------------------------------------------------------


def used(contract: GuaranteeContract) -> int:
    """根保証: the receivables reported and still covered or claimed."""
    total = contract.receivables.filter(status__in=["covered", "claimed"]).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def report_receivable(
    contract: GuaranteeContract, *, invoice: Invoice, amount: int | None, acting_user: User
) -> GuaranteedReceivable:
    """根保証: the client reports a receivable on the debtor as it arises; it is covered from
    now within the limit (premium on usage: charged now)."""
    with transaction.atomic():
        locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
        if not locked.revolving or locked.status not in IN_FORCE:
            raise DomainError(
                "guarantee.not_revolving", "根保証の保証期間中にのみ債権を報告できます。"
            )
        today = _today()
        if not locked.period_start <= today <= locked.period_end:
            raise DomainError("guarantee.period", "保証期間外のため報告できません。")
        if (
            invoice.organization_id != locked.organization_id
            or invoice.debtor_id != locked.debtor_id
        ):
            raise DomainError(
                "guarantee.invoice_debtor",
                "この保証の売掛先の請求書を選んでください。",
                field="invoice",
            )
        covered = rules.check_guaranteed_amount(
            amount if amount is not None else invoice.total_amount, invoice.total_amount
        )
        if GuaranteedReceivable.objects.filter(
            invoice=invoice, status__in=["covered", "claimed"]
        ).exists():
            raise DomainError(
                "guarantee.invoice_covered", "この請求書は既に保証を受けています。", field="invoice"
            )
        limit = int(locked.amount or 0)
        now_used = used(locked)
        if now_used + covered > limit:
            raise DomainError(
                "guarantee.over_limit",
                f"保証極度額（{limit:,}円）を超えます: 利用中 {now_used:,}円 + 今回 "
                f"{covered:,}円 = {now_used + covered:,}円。",
                field="amount",
            )
        fee = 0
        if locked.premium_basis == rules.PremiumBasis.USAGE:
            fee = rules.premium(covered, Decimal(locked.premium_rate or 0))
        row = GuaranteedReceivable.objects.create(
            contract=locked,
            organization_id=locked.organization_id,
            invoice=invoice,
            amount=covered,
            premium=fee,
        )
        if fee:
            ledger.post(
                book.premium_charged(
                    f"guarantee:{locked.pk}:premium:r{row.pk}",
                    today,
                    client=_client(locked),
                    amount=fee,
                    description=f"保証料の請求 {locked.code}（{invoice.invoice_number}）",
                ),
                actor=acting_user,
            )
            locked.premium_charged += fee
            locked.save(update_fields=["premium_charged"])
        audit.record(
            "guarantee.receivable_reported",
            actor=acting_user,
            obj=locked,
            payload={
                "receivable": row.pk,
                "invoice": invoice.pk,
                "amount": covered,
                "premium": fee,
            },
        )
    return row


def record_settlement(
    receivable: GuaranteedReceivable, *, acting_user: User
) -> GuaranteedReceivable:
    """The debtor paid the client: the receivable leaves the guarantee. 個別保証: the
    guarantee ends, its contingent liability is released."""
    with transaction.atomic():
        contract = GuaranteeContract.objects.select_for_update().get(pk=receivable.contract_id)
        row = GuaranteedReceivable.objects.select_for_update().get(pk=receivable.pk)
        if row.status != GuaranteedReceivable.Status.COVERED:
            raise DomainError("guarantee.not_covered", "この債権は保証中ではありません。")
        row.status = GuaranteedReceivable.Status.SETTLED
        row.ended_on = _today()
        row.save(update_fields=["status", "ended_on"])
        # The debtor paid the invoice: it is 回収済み, and can back nothing else.
        Invoice.objects.filter(pk=row.invoice_id, status=Invoice.Status.REGISTERED).update(
            status=Invoice.Status.SETTLED
        )
        if not contract.revolving:
            _end(contract, Status.EXPIRED, acting_user, why="保証対象債権の入金")
        audit.record(
            "guarantee.receivable_settled",
            actor=acting_user,
            obj=contract,
            payload={"receivable": row.pk, "amount": row.amount},
        )
    return row


def record_premium_payment(
    contract: GuaranteeContract,
    *,
    amount: int,
    received_on: date,
    reference: str,
    acting_user: Actor,
) -> GuaranteeContract:
    """The client paid the premium into the platform's account: Dr 普通預金 / Cr 未収保証料;
    never more than what is due; once per bank reference."""
    reference = (reference or "").strip()[:60]
    if not reference:
        raise DomainError("guarantee.reference", "照会番号を入力してください。", field="reference")
    _yen(amount, field="amount", what="入金額")
    with transaction.atomic():
        locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
        entry_id = f"guarantee:{locked.pk}:premium_paid:{reference}"
        if ledger.entries_for(entry_id).exists():
            return locked
        due = locked.premium_due
        if amount > due:
            raise DomainError(
                "guarantee.premium_over",
                f"未入金の保証料（{due:,}円）を超えています。",
                field="amount",
            )
        ledger.post(
            book.premium_paid(
                entry_id,
                received_on,
                client=_client(locked),
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"保証料の入金 {locked.code}",
            ),
            actor=acting_user,
        )
        locked.premium_paid += amount
        locked.save(update_fields=["premium_paid"])
        audit.record(
            "guarantee.premium_paid",
            actor=acting_user,
            obj=locked,
            payload={"amount": amount, "reference": reference, "due_after": due - amount},
        )
        _tell(
            locked,
            "guarantee_premium_received",
            f"guarantee:{locked.pk}:premium:{reference}",
            amount_yen=amount,
        )
    return locked


def earn_premium(contract: GuaranteeContract, *, on: date, actor: Actor) -> int:
    """Recognise the premium earned by the end of ``on`` (evenly over the term, see
    :func:`urikake.domain.guarantees.earned_premium`): Dr 前受保証料 / Cr 保証料収益."""
    with transaction.atomic():
        locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
        target = rules.earned_premium(
            locked.premium_charged, locked.period_start, locked.period_end, on
        )
        if locked.status in (Status.EXPIRED, Status.CLOSED):
            target = locked.premium_charged  # the risk has ended: all of it is earned
        delta = target - locked.premium_earned
        if delta <= 0:
            return 0
        ledger.post(
            book.premium_earned(
                f"guarantee:{locked.pk}:earned:{on.isoformat()}:{target}",
                on,
                amount=delta,
                description=f"保証料の収益計上 {locked.code}",
            ),
            actor=actor,
        )
        locked.premium_earned = target
        locked.save(update_fields=["premium_earned"])
    return delta


def _release(contract: GuaranteeContract, amount: int, actor: Actor, why: str) -> None:
    amount = min(amount, contract.contingent)
    if amount <= 0:
        return
    ledger.post(
        book.contingent_released(
            f"guarantee:{contract.pk}:release:{contract.contingent}",
            _today(),
            amount=amount,
            description=f"保証債務の消滅 {contract.code}（{why}）",
        ),
        actor=actor,
    )
    contract.contingent -= amount
    contract.save(update_fields=["contingent"])


def _end(contract: GuaranteeContract, status: str, actor: Actor, *, why: str) -> None:
    _release(contract, contract.contingent, actor, why)
    contract.status = status
    contract.ended_on = _today()
    contract.save(update_fields=["status", "ended_on"])
    contract.receivables.filter(status=GuaranteedReceivable.Status.COVERED).update(
        status=GuaranteedReceivable.Status.EXPIRED, ended_on=_today()
    )
    audit.record(
        "guarantee.ended", actor=actor, obj=contract, payload={"status": status, "why": why}
    )
    earn_premium(contract, on=_today(), actor=actor)


def run_daily(*, today: date | None = None, acting_user: Actor) -> dict[str, int]:
    """Earn the premium of every guarantee in force up to today; end those whose period is
    over (no open claim) — their contingent liability is released."""
    today = today or _today()
    earned = ended = 0
    for contract in GuaranteeContract.objects.filter(status__in=IN_FORCE).order_by("pk"):
        earned += earn_premium(contract, on=today, actor=acting_user)
        if contract.period_end < today and contract.status == Status.ACTIVE:
            with transaction.atomic():
                locked = GuaranteeContract.objects.select_for_update().get(pk=contract.pk)
                _end(locked, Status.EXPIRED, acting_user, why="保証期間の満了")
            ended += 1
    return {"earned": earned, "ended": ended}


# --- claims -----------------------------------------------------------------------------------


def file_claim(
    receivable: GuaranteedReceivable,
    *,
    default_on: date,
    unpaid_amount: int,
    reason: str,
    evidence_name: str,
    evidence: bytes,
    acting_user: User,
) -> Claim:
    """The debtor defaulted: the client claims with evidence (PDF/PNG/JPEG, read from its
    bytes). Payable after the contract's waiting period."""
    media_type = rules.evidence_type(evidence)
    if not reason.strip():
        raise DomainError("guarantee.reason", "支払不能の事由を入力してください。", field="reason")
    with transaction.atomic():
        contract = GuaranteeContract.objects.select_for_update().get(pk=receivable.contract_id)
        row = GuaranteedReceivable.objects.select_for_update().get(pk=receivable.pk)
        if row.status != GuaranteedReceivable.Status.COVERED:
            raise DomainError("guarantee.not_covered", "この債権は保証中ではありません。")
        if contract.status not in IN_FORCE:
            raise DomainError("guarantee.not_in_force", "保証期間中の保証ではありません。")
        if not contract.period_start <= default_on <= min(contract.period_end, _today()):
            raise DomainError(
                "guarantee.default_on",
                "支払不能の発生日は保証期間内の本日以前の日にしてください。",
                field="default_on",
            )
        # The unpaid part of the invoice (at most its face); coverage caps what is paid.
        unpaid = _yen(
            unpaid_amount, field="unpaid_amount", what="未回収額", maximum=row.invoice.total_amount
        )
        claim = Claim.objects.create(
            contract=contract,
            organization_id=contract.organization_id,
            receivable=row,
            default_on=default_on,
            unpaid_amount=unpaid,
            reason=reason.strip()[:2000],
            evidence_name=(evidence_name or "evidence")[:255],
            evidence=evidence,
            evidence_type=media_type,
            evidence_sha256=hashlib.sha256(evidence).hexdigest(),
            payable_from=rules.claim_payable_from(default_on, contract.waiting_days),
            filed_by=acting_user,
        )
        row.status = GuaranteedReceivable.Status.CLAIMED
        row.save(update_fields=["status"])
        contract.status = Status.CLAIMED
        contract.save(update_fields=["status"])
        audit.record(
            "guarantee.claim_filed",
            actor=acting_user,
            obj=claim,
            payload={
                "contract": contract.pk,
                "unpaid": unpaid,
                "default_on": default_on.isoformat(),
                "evidence_sha256": claim.evidence_sha256,
            },
        )
        _tell(
            contract,
            "guarantee_claim_received",
            f"guarantee_claim:{claim.pk}",
            payable_from_date=claim.payable_from.isoformat(),
        )
        notifications.notify_staff(
            "guarantee_claim_waiting",
            capability=Capability.REVIEW_APPLICATIONS,
            subject=f"guarantee_claim:{claim.pk}",
            context={
                "guarantee": contract.code,
                "organization_name": contract.organization.name,
                "amount_yen": unpaid,
            },
            url=f"/backoffice/guarantees/{contract.pk}/",
        )
    return claim


def coverage_left(contract: GuaranteeContract) -> int:
    """What the guarantee can still pay: its amount or limit less the claims already paid."""
    paid = contract.claims.aggregate(total=Sum("paid_amount"))["total"] or 0
    return int(contract.amount or 0) - int(paid)


def pay_claim(claim: Claim, *, acting_user: User, comment: str = "") -> Claim:
    """保証履行: after the waiting period, pay min(unpaid, coverage left) × coverage ratio in
    exchange for the receivable (assigned to the platform). Books Dr 求償債権 / Cr 未払金 and
    queues a treasury payout (dual control before it leaves); releases the contingent
    liability by what was paid (個別保証: all of it)."""
    today = _today()
    with transaction.atomic():
        contract = GuaranteeContract.objects.select_for_update().get(pk=claim.contract_id)
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != Claim.Status.FILED:
            raise DomainError("guarantee.claim_decided", "この請求の審査は終わっています。")
        if today < locked.payable_from:
            raise DomainError(
                "guarantee.waiting",
                f"待機期間中のため、{_d(locked.payable_from)}以降にお支払いできます。",
            )
        account = current_payout_account(contract.organization)
        if account is None:
            raise DomainError("funding.no_payout_account", "振込先口座が登録されていません。")
        payment = rules.claim_payment(
            locked.unpaid_amount,
            coverage_left=coverage_left(contract),
            coverage_ratio=Decimal(contract.coverage_ratio),
        )
        ledger.post(
            book.claim_paid(
                f"guarantee:{contract.pk}:claim:{locked.pk}",
                today,
                client=_client(contract),
                amount=payment.amount,
                description=f"保証履行 {locked.code}",
            ),
            actor=acting_user,
        )
        payout = Payout.objects.create(
            organization_id=contract.organization_id,
            application=None,
            kind=Payout.Kind.GUARANTEE,
            amount=payment.amount,
            requested_for=payout_queue_date(),
            **Payout.beneficiary(account),
        )
        locked.status = Claim.Status.APPROVED
        locked.paid_amount = payment.amount
        locked.uncovered = payment.uncovered
        locked.payout = payout
        locked.assigned_on = today
        locked.paid_on = today
        locked.reviewed_by = acting_user
        locked.review_comment = comment.strip()[:2000]
        locked.decided_at = timezone.now()
        locked.save()
        row = locked.receivable
        row.status = GuaranteedReceivable.Status.ASSIGNED
        row.ended_on = today
        row.save(update_fields=["status", "ended_on"])
        # The receivable is the platform's now (assigned in exchange for the payment).
        Invoice.objects.filter(pk=row.invoice_id).update(status=Invoice.Status.ASSIGNED)
        if contract.revolving:
            _release(contract, payment.amount, acting_user, "保証履行")
            contract.status = Status.ACTIVE if today <= contract.period_end else Status.EXPIRED
            contract.save(update_fields=["status"])
            if contract.status == Status.EXPIRED:
                _end(contract, Status.EXPIRED, acting_user, why="保証期間の満了")
        else:
            _end(contract, Status.CLOSED, acting_user, why="保証履行")
        audit.record(
            "guarantee.claim_paid",
            actor=acting_user,
            obj=locked,
            payload={
                "contract": contract.pk,
                "paid": payment.amount,
                "coverage_left_before": payment.within_coverage,
                "uncovered": payment.uncovered,
                "payout": payout.pk,
            },
        )
        audit.record(
            "guarantee.receivable_assigned",
            actor=acting_user,
            obj=locked,
            payload={"invoice": row.invoice_id, "assigned_on": today.isoformat()},
        )
        _tell(
            contract,
            "guarantee_claim_paid",
            f"guarantee_claim:{locked.pk}:paid",
            amount_yen=payment.amount,
        )
    return locked


def reject_claim(claim: Claim, *, acting_user: User, comment: str) -> Claim:
    if not comment.strip():
        raise DomainError("guarantee.comment", "理由を入力してください。", field="comment")
    with transaction.atomic():
        contract = GuaranteeContract.objects.select_for_update().get(pk=claim.contract_id)
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        if locked.status != Claim.Status.FILED:
            raise DomainError("guarantee.claim_decided", "この請求の審査は終わっています。")
        locked.status = Claim.Status.REJECTED
        locked.review_comment = comment.strip()[:2000]
        locked.reviewed_by = acting_user
        locked.decided_at = timezone.now()
        locked.save()
        GuaranteedReceivable.objects.filter(pk=locked.receivable_id).update(
            status=GuaranteedReceivable.Status.COVERED
        )
        if contract.status == Status.CLAIMED:
            contract.status = Status.ACTIVE
            contract.save(update_fields=["status"])
        audit.record(
            "guarantee.claim_rejected",
            actor=acting_user,
            obj=locked,
            payload={"comment": locked.review_comment},
        )
        _tell(contract, "guarantee_claim_rejected", f"guarantee_claim:{locked.pk}:rejected")
    return locked


def claim_state(claim: Claim) -> tuple[str, str]:
    """(value, label) for people: an approved claim is paid once its payout has left."""
    if (
        claim.status == Claim.Status.APPROVED
        and claim.payout is not None
        and claim.payout.status == Payout.Status.SENT
    ):
        return Claim.Status.PAID.value, str(Claim.Status.PAID.label)
    return claim.status, str(claim.get_status_display())


def record_recovery(
    claim: Claim, *, amount: int, received_on: date, reference: str, acting_user: User
) -> Recovery:
    """The debtor (or its estate) pays the platform: Dr 普通預金 / Cr 求償債権; never more
    than what is still open; once per bank reference."""
    reference = (reference or "").strip()[:60]
    if not reference:
        raise DomainError("guarantee.reference", "照会番号を入力してください。", field="reference")
    _yen(amount, field="amount", what="回収額")
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        existing = locked.recoveries.filter(reference=reference).first()
        if existing is not None:
            return existing
        if locked.paid_amount <= 0:
            raise DomainError("guarantee.not_paid", "保証履行前の請求です。")
        left = locked.recovery_open
        if amount > left:
            raise DomainError(
                "guarantee.recovery_over",
                f"求償債権の残高（{left:,}円）を超えています。",
                field="amount",
            )
        ledger.post(
            book.recovery_received(
                f"guarantee:claim:{locked.pk}:recovery:{reference}",
                received_on,
                client=client_code(locked.organization_id),
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"求償債権の回収 {locked.code}",
            ),
            actor=acting_user,
        )
        row = Recovery.objects.create(
            claim=locked,
            amount=amount,
            received_on=received_on,
            reference=reference,
            created_by=acting_user,
        )
        locked.recovered += amount
        locked.save(update_fields=["recovered"])
        audit.record(
            "guarantee.recovered",
            actor=acting_user,
            obj=locked,
            payload={"amount": amount, "reference": reference, "left": left - amount},
        )
    return row


def write_off_rest(claim: Claim, *, acting_user: User, comment: str) -> int:
    """What will not be recovered: Dr 貸倒損失 / Cr 求償債権. Returns the loss."""
    if not comment.strip():
        raise DomainError("guarantee.comment", "理由を入力してください。", field="comment")
    with transaction.atomic():
        locked = Claim.objects.select_for_update().get(pk=claim.pk)
        left = locked.recovery_open
        if locked.paid_amount <= 0 or left <= 0:
            raise DomainError("guarantee.nothing_open", "償却する求償債権の残高がありません。")
        entries, _, loss = book.loss_entries(
            f"claim{locked.pk}", _today(), client=client_code(locked.organization_id), residual=left
        )
        for entry in entries:
            ledger.post(entry, actor=acting_user)
        locked.written_off += loss
        locked.save(update_fields=["written_off"])
        audit.record(
            "guarantee.written_off",
            actor=acting_user,
            obj=locked,
            payload={"amount": loss, "comment": comment.strip()},
        )
    return loss


# --- ageing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeingLine:
    claim: Claim
    days: int
    bucket: Bucket
    open_amount: int  # 未払いの請求額, or 求償債権の残高 after payment
    stage: str  # "claim" (awaiting payment) or "recovery"


def claims_ageing(as_of: date | None = None) -> list[AgeingLine]:
    """Open claims by days since they were filed (awaiting payment) and paid claims by days
    since payment (awaiting recovery), in the buckets of :mod:`urikake.domain.ageing`."""
    as_of = as_of or _today()
    lines = []
    for claim in Claim.objects.select_related("contract", "contract__organization").exclude(
        status=Claim.Status.REJECTED
    ):
        if claim.status == Claim.Status.FILED:
            days = (as_of - timezone.localdate(claim.filed_at)).days
            lines.append(AgeingLine(claim, days, bucket_for(days), claim.unpaid_amount, "claim"))
        elif claim.recovery_open > 0 and claim.paid_on is not None:
            days = (as_of - claim.paid_on).days
            lines.append(AgeingLine(claim, days, bucket_for(days), claim.recovery_open, "recovery"))
    return sorted(lines, key=lambda line: -line.days)
