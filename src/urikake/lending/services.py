"""Every state change of a receivables-backed loan (docs/lending.md).

One atomic transaction per function, one audit record per change, money only through ledger
recipes (:mod:`urikake.domain.ledger_lending`) and treasury payouts (dual control). A money
move is idempotent: a draw is numbered under a row lock and its ledger entry id names it
(``loan:<facility>:draw:<n>``), a repayment is unique per (facility, bank reference).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation

from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.applicants.services import current_payout_account
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.contracts import agreements
from urikake.domain import ledger as book
from urikake.domain import ledger_lending as loan_book
from urikake.domain import lending as rules
from urikake.domain import safe_csv
from urikake.domain.assignment_clauses import ClauseStatus
from urikake.domain.errors import DomainError
from urikake.domain.money import format_rate_percent
from urikake.domain.name_matching import name_similarity
from urikake.domain.perfection import Method
from urikake.ledger import services as ledger
from urikake.lending import events
from urikake.lending.models import (
    AdvanceRateMatrixVersion,
    BalanceReport,
    Collateral,
    Draw,
    InterestAccrual,
    LoanDocumentFile,
    LoanFacility,
    Repayment,
    ShortfallNotice,
    rates_to_json,
)
from urikake.receivables import assignment_clauses
from urikake.receivables.encumbrances import ensure_unencumbered
from urikake.receivables.models import Invoice, StatementEntry
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code, payout_queue_date, platform_cash_account

#: The bank statement's payer name must be this close to the debtor's kana to count as a
#: payment from the debtor (trading history, IV.4).
PAYER_MATCH = 0.8
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_RATE = Decimal("0.18")  # 出資法・利息制限法 stay far above; the product band's ceiling


def _today() -> date:
    return timezone.localdate()


def _amount_within(value: int, *, field: str, maximum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError("lending.amount", f"{what}は1円以上で入力してください。", field=field)
    if value > maximum:
        raise DomainError(
            "lending.amount_too_large",
            f"{what}は{maximum:,}円以下で入力してください。",
            field=field,
        )
    return value


# --- the advance-rate matrix ------------------------------------------------------------------


def _matrix_of(version: AdvanceRateMatrixVersion) -> rules.AdvanceRateMatrix:
    rates = {}
    for key, value in version.rates.items():
        grade, method = key.split(":")
        rates[(rules.CreditGrade(grade), Method(method))] = Decimal(value)
    return rules.AdvanceRateMatrix(version.effective_from, rates)


def matrix_on(on: date) -> tuple[rules.AdvanceRateMatrix, AdvanceRateMatrixVersion | None]:
    """The operator's matrix in force on ``on`` (the seed's example until one is set)."""
    version = AdvanceRateMatrixVersion.objects.filter(effective_from__lte=on).first()
    if version is None:
        return rules.SEED_MATRIX, None
    return _matrix_of(version), version


def set_matrix(
    *,
    effective_from: date,
    rates: dict[tuple[rules.CreditGrade, Method], Decimal],
    note: str,
    acting_user: User,
) -> AdvanceRateMatrixVersion:
    """A new version of the matrix from ``effective_from`` (today or later: the past is
    never rewritten; a revolving limit keeps the version it was set with)."""
    if effective_from < _today():
        raise DomainError(
            "lending.matrix_past", "適用開始日は本日以降にしてください。", field="effective_from"
        )
    rules.AdvanceRateMatrix(effective_from, rates)  # validates bounds and monotony
    with transaction.atomic():
        if AdvanceRateMatrixVersion.objects.filter(effective_from=effective_from).exists():
            raise DomainError(
                "lending.matrix_exists",
                "この適用開始日の掛け目表は登録済みです。",
                field="effective_from",
            )
        version = AdvanceRateMatrixVersion.objects.create(
            effective_from=effective_from,
            rates=rates_to_json(rates),
            note=note[:300],
            created_by=acting_user,
        )
        audit.record(
            "lending.matrix_set",
            actor=acting_user,
            obj=version,
            payload={"effective_from": effective_from.isoformat(), "rates": version.rates},
        )
    return version


# --- applications -----------------------------------------------------------------------------


def trading_since(invoice: Invoice) -> date | None:
    """The first deposit from the invoice's debtor on the client's imported bank statements."""
    debtor = invoice.debtor
    first = None
    deposits = StatementEntry.objects.filter(
        organization_id=invoice.organization_id, direction=StatementEntry.Direction.DEPOSIT
    ).order_by("value_date")
    for entry in deposits.only("value_date", "counterparty").iterator():
        if name_similarity(entry.counterparty, debtor.name_kana) >= PAYER_MATCH:
            first = entry.value_date
            break
    return first


def _clause(invoice: Invoice) -> ClauseStatus:
    return assignment_clauses.status_of(invoice)


def _pledge(
    facility: LoanFacility,
    invoice: Invoice,
    *,
    grade: rules.CreditGrade,
    method: Method,
    replaces: Collateral | None = None,
) -> Collateral:
    if invoice.organization_id != facility.organization_id:
        raise DomainError("lending.invoice_not_yours", "他社の請求書は担保にできません。")
    if Collateral.objects.filter(invoice=invoice, status=Collateral.Status.PLEDGED).exists():
        raise DomainError(
            "lending.invoice_pledged",
            f"請求書{invoice.invoice_number}は既に担保に入っています。",
            field="invoices",
        )
    # Nor sold to us, in a purchase application, or guaranteed (double financing).
    ensure_unencumbered([invoice])
    matrix = _facility_matrix(facility)
    return Collateral.objects.create(
        facility=facility,
        organization_id=facility.organization_id,
        invoice=invoice,
        face_amount=invoice.total_amount,
        grade=grade.value,
        method=method.value,
        advance_rate=matrix.rate(grade, method),
        trading_since=trading_since(invoice),
        replaces=replaces,
    )


def _facility_matrix(facility: LoanFacility) -> rules.AdvanceRateMatrix:
    """The matrix a facility uses: the one fixed at the decision (根保証: for the whole
    period), else today's."""
    if facility.matrix_id is not None:
        assert facility.matrix is not None
        return _matrix_of(facility.matrix)
    return matrix_on(_today())[0]


def apply_for_loan(
    organization: Organization,
    *,
    acting_user: User,
    scheme: rules.LoanScheme | str,
    guarantee_scheme: str,
    requested_amount: int,
    purpose: str,
    invoices: Iterable[Invoice],
    idempotency_key: str = "",
) -> LoanFacility:
    """A loan application (個別保証) or a limit application (根保証) with its receivables."""
    scheme = rules.LoanScheme(scheme)
    version = rules.scheme(guarantee_scheme, _today())
    _amount_within(
        requested_amount, field="requested_amount", maximum=version.cap_yen, what="希望額"
    )
    purpose = (purpose or "").strip()
    if not purpose:
        raise DomainError("lending.purpose", "資金使途を入力してください。", field="purpose")
    chosen = list(invoices)
    if not chosen:
        raise DomainError(
            "lending.no_collateral", "担保とする売掛債権を選んでください。", field="invoices"
        )
    with transaction.atomic():
        if idempotency_key:
            existing = LoanFacility.objects.filter(
                organization=organization, idempotency_key=idempotency_key
            ).first()
            if existing is not None:
                return existing
        facility = LoanFacility.objects.create(
            organization=organization,
            scheme=scheme.value,
            guarantee_scheme=version.code,
            requested_amount=requested_amount,
            purpose=purpose[:300],
            created_by=acting_user,
            idempotency_key=idempotency_key,
        )
        for invoice in chosen:
            _pledge(facility, invoice, grade=rules.CreditGrade.NORMAL, method=Method.REGISTRATION)
        audit.record(
            "lending.applied",
            actor=acting_user,
            obj=facility,
            payload={
                "scheme": scheme.value,
                "guarantee_scheme": version.code,
                "requested_amount": requested_amount,
                "invoices": [i.pk for i in chosen],
            },
        )
    return facility


def upload_document(
    facility: LoanFacility,
    *,
    kind: rules.LoanDocument | str,
    filename: str,
    content: bytes,
    content_type: str,
    acting_user: User,
) -> LoanDocumentFile:
    kind = rules.LoanDocument(kind)
    if not content:
        raise DomainError("lending.document_empty", "ファイルが空です。", field="file")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError(
            "lending.document_too_large", "ファイルは10MB以下にしてください。", field="file"
        )
    with transaction.atomic():
        doc = LoanDocumentFile.objects.create(
            facility=facility,
            organization_id=facility.organization_id,
            kind=kind.value,
            filename=filename[:255],
            content=content,
            content_type=content_type[:100],
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=acting_user,
        )
        audit.record(
            "lending.document_uploaded",
            actor=acting_user,
            obj=doc,
            payload={"facility": facility.pk, "kind": kind.value, "sha256": doc.sha256},
        )
    return doc


def check_document(
    doc: LoanDocumentFile, *, acting_user: User, accepted: bool, reason: str = ""
) -> LoanDocumentFile:
    with transaction.atomic():
        if accepted:
            doc.checked_by = acting_user
            doc.checked_at = timezone.now()
            doc.rejected_reason = ""
        else:
            if not reason.strip():
                raise DomainError(
                    "lending.reason_required", "差戻しの理由を入力してください。", field="reason"
                )
            doc.checked_by = None
            doc.checked_at = None
            doc.rejected_reason = reason.strip()[:300]
        doc.save(update_fields=["checked_by", "checked_at", "rejected_reason"])
        audit.record(
            "lending.document_checked",
            actor=acting_user,
            obj=doc,
            payload={"accepted": accepted, "reason": doc.rejected_reason},
        )
    return doc


def checked_documents(facility: LoanFacility) -> set[str]:
    return set(facility.documents.filter(checked_at__isnull=False).values_list("kind", flat=True))


def assess_collateral(
    collateral: Collateral,
    *,
    grade: rules.CreditGrade | str,
    method: Method | str,
    acting_user: User,
) -> Collateral:
    """Staff grade the receivable and choose the perfection: the advance rate follows."""
    grade, method = rules.CreditGrade(grade), Method(method)
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=collateral.facility_id)
        later = (LoanFacility.Status.CONTRACTED, LoanFacility.Status.ACTIVE)
        revolving = locked.scheme_enum is rules.LoanScheme.REVOLVING
        if not (
            locked.status == LoanFacility.Status.SUBMITTED or (revolving and locked.status in later)
        ):
            raise DomainError(
                "lending.collateral_fixed",
                "担保評価は審査中（根保証は契約後も）にのみ変更できます。",
            )
        collateral.grade = grade.value
        collateral.method = method.value
        collateral.advance_rate = _facility_matrix(locked).rate(grade, method)
        collateral.save(update_fields=["grade", "method", "advance_rate"])
        audit.record(
            "lending.collateral_assessed",
            actor=acting_user,
            obj=collateral,
            payload={
                "grade": grade.value,
                "method": method.value,
                "advance_rate": str(collateral.advance_rate),
            },
        )
        if locked.status in later:
            recompute_base(locked, acting_user=acting_user)
    return collateral


def _facts(c: Collateral) -> rules.ReceivableFacts:
    return rules.ReceivableFacts(
        ref=c.invoice.invoice_number,
        trading_since=c.trading_since,
        clause=_clause(c.invoice),
        perfected=c.perfected_on is not None,
    )


def pledged(facility: LoanFacility) -> list[Collateral]:
    return list(
        facility.collateral.filter(status=Collateral.Status.PLEDGED)
        .select_related("invoice", "invoice__debtor")
        .order_by("pk")
    )


def eligibility(facility: LoanFacility, *, at_drawdown: bool = False) -> list[DomainError]:
    today = _today()
    out: list[DomainError] = []
    for c in pledged(facility):
        out += rules.eligibility_problems(_facts(c), on=today, at_drawdown=at_drawdown)
    return out


def outstanding_principal(facility: LoanFacility) -> int:
    drawn = facility.draws.aggregate(s=Sum("amount"))["s"] or 0
    repaid = facility.repayments.aggregate(s=Sum("principal"))["s"] or 0
    return int(drawn - repaid)


def interest_due(facility: LoanFacility) -> int:
    accrued = facility.accruals.aggregate(s=Sum("amount"))["s"] or 0
    paid = facility.repayments.aggregate(s=Sum("interest"))["s"] or 0
    return int(accrued - paid)


def interest_owed_on(facility: LoanFacility, on: date) -> int:
    """Interest booked and unpaid plus what would accrue up to ``on`` (not booked: what a
    borrower repaying in full that day would owe)."""
    due = interest_due(facility)
    start = facility.interest_accrued_until
    if start and on > start and facility.interest_rate is not None:
        due += rules.interest_on_balances(
            _segments(facility, start, on), Decimal(facility.interest_rate)
        )
    return due


def borrowing_base(facility: LoanFacility) -> rules.BorrowingBase:
    """The facility's base now, from the pledged receivables' outstanding face × rate (one
    narrow query: 10,000 receivables in well under a second, benchmarks/bench_lending.py)."""
    rows = Collateral.objects.filter(
        facility=facility, status=Collateral.Status.PLEDGED
    ).values_list("pk", "face_amount", "collected_amount", "advance_rate")
    items = [
        rules.CollateralItem(str(pk), face - collected, Decimal(rate))
        for pk, face, collected, rate in rows
        if face > collected
    ]
    return rules.borrowing_base(
        items,
        limit=facility.amount or 0,
        outstanding=outstanding_principal(facility),
    )


def decide(
    facility: LoanFacility,
    *,
    acting_user: User,
    approve: bool,
    comment: str,
    interest_rate: Decimal | None = None,
    decided_amount: int | None = None,
    decided_reason: str = "",
) -> LoanFacility:
    """The credit decision: amount (個別) or limit (根) = min(collateral value, the scheme's
    cap, the decided amount); the guarantee fee; for a revolving limit the one-year period
    and the matrix version, both fixed."""
    if not comment.strip():
        raise DomainError("lending.comment", "審査コメントを入力してください。", field="comment")
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.status != LoanFacility.Status.SUBMITTED:
            raise DomainError("lending.not_submitted", "この申込みは審査済みです。")
        now = timezone.now()
        locked.decided_by = acting_user
        locked.decided_at = now
        locked.decision_comment = comment.strip()
        if not approve:
            locked.status = LoanFacility.Status.DECLINED
            locked.save()
            audit.record(
                "lending.declined", actor=acting_user, obj=locked, payload={"comment": comment}
            )
            events.decided(locked)
            return locked
        missing = rules.missing_documents(checked_documents(locked))
        if missing:
            raise DomainError(
                "lending.documents_missing",
                "確認済みでない必要書類があります: " + "、".join(d.label_ja for d in missing),
            )
        problems = eligibility(locked)
        if problems:
            raise DomainError(problems[0].code, problems[0].message, field=problems[0].field)
        if interest_rate is None or not (Decimal(0) < interest_rate <= MAX_RATE):
            raise DomainError(
                "lending.interest_rate",
                "貸付利率は0%より大きく18%以下で入力してください。",
                field="interest_rate",
            )
        version = rules.scheme(locked.guarantee_scheme, _today())
        _amount_within(decided_amount or 0, field="decided_amount", maximum=10**12, what="決定額")
        assert decided_amount is not None
        decision = rules.decide_amount(
            collateral=borrowing_base(locked).collateral_value,
            scheme_=version,
            decided=decided_amount,
            decided_reason_ja=decided_reason,
        )
        _, matrix_version = matrix_on(_today())
        locked.matrix = matrix_version
        locked.interest_rate = interest_rate
        locked.amount = decision.amount
        locked.bounds = [
            {"kind": b.kind.value, "amount": b.amount, "reason": b.reason_ja}
            for b in decision.bounds
        ]
        if locked.scheme_enum is rules.LoanScheme.REVOLVING:
            locked.period_start, locked.period_end = rules.revolving_period(_today())
        locked.guarantee_fee = rules.guarantee_fee(decision.amount, version)
        # Collections come to the platform's collection account: it is both the designated
        # account (debtors pay the pledged receivables) and the repayment account (the
        # borrower pays); the payer tells which (lending/collections.py).
        locked.designated_account = locked.repayment_account = collection_account_label()
        locked.status = LoanFacility.Status.APPROVED
        locked.save()
        agreements.prepare(locked, number=f"UL-{locked.pk:08d}", render=contract_pdf)
        events.decided(locked)
        events.contract_ready(locked)
        audit.record(
            "lending.approved",
            actor=acting_user,
            obj=locked,
            payload={
                "amount": decision.amount,
                "binding": decision.binding.kind.value,
                "bounds": locked.bounds,
                "interest_rate": str(interest_rate),
                "guarantee_fee": locked.guarantee_fee,
                "matrix": matrix_version.pk if matrix_version else None,
            },
        )
    return locked


# --- the contract -----------------------------------------------------------------------------


def _d(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def contract_pdf(facility: LoanFacility) -> bytes:
    """金銭消費貸借契約書（売掛債権譲渡担保）: parties, amount, rate, guarantee, collateral."""
    from urikake.contracts.pdf import render_plain  # reportlab, when a PDF is made

    version = rules.scheme(facility.guarantee_scheme, facility.created_at.date())
    org = facility.organization
    scheme = facility.scheme_enum
    amount_label = "借入極度額" if scheme is rules.LoanScheme.REVOLVING else "借入額"
    rows = [["請求書番号", "売掛先", "支払期日", "債権額", "掛け目"]]
    for c in pledged(facility):
        rows.append(
            [
                c.invoice.invoice_number,
                c.invoice.debtor.name,
                _d(c.invoice.due_date),
                f"{c.face_amount:,}円",
                format_rate_percent(Decimal(c.advance_rate), 0),
            ]
        )
    lender = getattr(settings, "CONTRACT_ASSIGNEE_NAME", "") or "株式会社ウリカケ"
    period = (
        f"{_d(facility.period_start)}から{_d(facility.period_end)}まで（1年間）"
        if scheme is rules.LoanScheme.REVOLVING
        else "個別の借入ごと"
    )
    blocks: list[tuple[str, str | list[list[str]]]] = [
        (
            "",
            f"貸付人 {lender}（以下「甲」）と借入人 {org.name}（以下「乙」）は、次のとおり"
            f"売掛債権を担保とする金銭消費貸借契約（{scheme.label_ja}方式）を締結する。",
        ),
        (
            "第1条（貸付）",
            f"{amount_label}: {facility.amount:,}円。乙は{amount_label}の範囲内で借入れを"
            f"行うことができる。期間: {period}。",
        ),
        (
            "第2条（利息）",
            f"利率は年{format_rate_percent(Decimal(facility.interest_rate or 0), 3)}とし、"
            "借入日から返済日の前日まで日割りで計算する（1年を365日とする日割計算、1円未満切捨て）。",
        ),
        (
            "第3条（信用保証）",
            f"本契約は{version.name_ja}による信用保証協会の保証を受ける"
            f"（保証割合{format_rate_percent(version.coverage, 0)}）。信用保証料は"
            f"{facility.guarantee_fee:,}円（{amount_label}の"
            f"{format_rate_percent(version.fee_base_share, 0)}"
            f"に年{format_rate_percent(version.fee_rate, 2)}を乗じた額、1円未満切捨て）とし、"
            "初回の融資金から差し引く。",
        ),
        (
            "第4条（担保）",
            "乙は次の売掛債権を甲に譲渡担保として譲渡する。担保の保全手続き"
            "（対抗要件の具備）が完了するまで融資は実行しない。",
        ),
        ("", rows),
        (
            "第5条（返済）",
            "売掛先からの入金は指定口座で受け、利息、元本の順に充当する。"
            "乙は返済専用口座からも返済できる。",
        ),
        (
            "第6条（残高報告）",
            "乙は毎月末の担保債権の残高を翌月10日（銀行休業日の場合は翌営業日）"
            "までに甲に報告する。",
        ),
        ("第7条（担保不足）", "借入残高が担保価値を超えたときは、乙は担保の追加または返済をする。"),
    ]
    return render_plain("金銭消費貸借契約書（売掛債権担保）", facility.contract_number, blocks)


def sign_contract(
    facility: LoanFacility, *, acting_user: User, agreed_sha256: str, ip_address: str | None
) -> LoanFacility:
    """The borrower agrees to the contract it was shown; the platform seals it (PAdES)."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.signed_at is not None:
            return locked
        if locked.status != LoanFacility.Status.APPROVED:
            raise DomainError(
                "lending.not_signable", "この融資は契約を締結できる状態ではありません。"
            )
        agreements.seal_agreed(
            locked,
            agreed_sha256=agreed_sha256,
            changed_code="lending.contract_changed",
            consent="金銭消費貸借契約（売掛債権担保）への借入人の同意",
            acting_user=acting_user,
            ip_address=ip_address,
        )
        locked.status = LoanFacility.Status.CONTRACTED
        locked.save()
        audit.record(
            "lending.contracted",
            actor=acting_user,
            obj=locked,
            payload={"sha256": locked.contract_sha256, "signed_sha256": locked.signed_sha256},
        )
        events.signed(locked)
    return locked


def record_perfection(
    facility: LoanFacility, *, perfected_on: date, acting_user: User
) -> list[Collateral]:
    """担保の保全手続き完了: the pledged receivables are perfected (registration filed and
    registered, notice delivered, or consent obtained — per collateral's method)."""
    with transaction.atomic():
        items = list(
            Collateral.objects.select_for_update().filter(
                facility=facility, status=Collateral.Status.PLEDGED, perfected_on__isnull=True
            )
        )
        for c in items:
            c.perfected_on = perfected_on
            c.save(update_fields=["perfected_on"])
        audit.record(
            "lending.perfected",
            actor=acting_user,
            obj=facility,
            payload={"collateral": [c.pk for c in items], "on": perfected_on.isoformat()},
        )
    return items


# --- drawdown ---------------------------------------------------------------------------------


def draw(facility: LoanFacility, *, amount: int, acting_user: Actor) -> Draw:
    """融資実行: book the loan and queue its payout (treasury: dual control before it leaves).

    Individual (個別保証): one draw of the decided amount. Revolving (根保証): any draws
    within the period and the borrowing base (min(limit, collateral value) − outstanding).
    The guarantee fee is deducted from the first draw.

    The 融資実行日 (``drawn_on``) is the day the money reaches the client: the payout's 振込指定日.
    After the bank's cut-off (or on a bank holiday) that is the next bank business day, and
    interest runs from it, not from the day staff pressed the button."""
    today = _today()
    value_date = payout_queue_date()
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.status not in (LoanFacility.Status.CONTRACTED, LoanFacility.Status.ACTIVE):
            raise DomainError("lending.not_contracted", "契約締結前、または終了した融資です。")
        limit = int(locked.amount or 0)
        _amount_within(amount, field="amount", maximum=limit, what="融資額")
        number = locked.draws.count() + 1
        if locked.scheme_enum is rules.LoanScheme.INDIVIDUAL:
            if number > 1:
                raise DomainError("lending.individual_once", "個別保証の融資は実行済みです。")
            if amount != limit:
                raise DomainError(
                    "lending.individual_amount",
                    f"個別保証の融資額は決定額（{limit:,}円）です。",
                    field="amount",
                )
        elif not (locked.period_start and locked.period_end) or not (
            locked.period_start <= value_date <= locked.period_end
        ):
            raise DomainError("lending.period", "根保証の期間外のため借入れできません。")
        problems = eligibility(locked, at_drawdown=True)
        if problems:
            raise DomainError(problems[0].code, problems[0].message, field=problems[0].field)
        base = borrowing_base(locked)
        if amount > base.available:
            raise DomainError(
                "lending.over_base",
                f"借入可能額（{base.available:,}円 = 極度額と担保価値の小さい方から借入残高を"
                "差し引いた額）を超えています。",
                field="amount",
            )
        account = current_payout_account(locked.organization)
        if account is None:
            raise DomainError("funding.no_payout_account", "振込先口座が登録されていません。")
        fee = 0 if locked.guarantee_fee_collected else int(locked.guarantee_fee)
        if fee >= amount:
            raise DomainError(
                "lending.fee_exceeds_draw",
                f"初回の融資額は信用保証料（{fee:,}円）より多くしてください。",
                field="amount",
            )
        if interest_due(locked) or outstanding_principal(locked):
            accrue_interest(locked, until=today, acting_user=acting_user)
        payout = Payout.objects.create(
            organization_id=locked.organization_id,
            application=None,
            kind=Payout.Kind.LOAN,
            amount=amount - fee,
            requested_for=payout_queue_date(value_date),
            **Payout.beneficiary(account),
        )
        # Equal to value_date unless the cut-off struck between the two readings of the clock.
        value_date = payout.requested_for
        # Booked today: from now on the platform owes the client the net amount (未払金) and
        # the loan is on its books; the client's interest waits for the money (drawn_on).
        ledger.post(
            loan_book.loan_drawn(
                f"loan:{locked.pk}:draw:{number}",
                today,
                client=client_code(locked.organization_id),
                scheme=locked.guarantee_scheme,
                amount=amount,
                guarantee_fee=fee,
                description=f"融資実行 {locked.code}-{number}",
            ),
            actor=acting_user,
        )
        created = Draw.objects.create(
            facility=locked,
            organization_id=locked.organization_id,
            number=number,
            amount=amount,
            guarantee_fee=fee,
            drawn_on=value_date,
            payout=payout,
            created_by=acting_user if isinstance(acting_user, User) else locked.created_by,
        )
        if locked.interest_accrued_until is None:
            locked.interest_accrued_until = value_date
        locked.guarantee_fee_collected = True
        locked.status = LoanFacility.Status.ACTIVE
        locked.save(update_fields=["interest_accrued_until", "guarantee_fee_collected", "status"])
        audit.record(
            "lending.drawn",
            actor=acting_user,
            obj=locked,
            payload={
                "draw": created.pk,
                "number": number,
                "amount": amount,
                "guarantee_fee": fee,
                "drawn_on": value_date.isoformat(),
                "payout": payout.pk,
                "available_before": base.available,
            },
        )
        events.drawn(locked, number=number, amount=amount, fee=fee, drawn_on=value_date)
    return created


# --- interest and repayment -------------------------------------------------------------------


def _segments(facility: LoanFacility, start: date, end: date) -> list[tuple[date, date, int]]:
    """(start, end, principal) pieces of [start, end): the balance after each day's draws and
    repayments (a draw accrues from its day, a repayment stops accrual on its day)."""
    changes: dict[date, int] = {}
    for d in facility.draws.all():
        changes[d.drawn_on] = changes.get(d.drawn_on, 0) + d.amount
    for r in facility.repayments.all():
        changes[r.received_on] = changes.get(r.received_on, 0) - r.principal
    balance = sum(v for k, v in changes.items() if k <= start)
    cuts = sorted(k for k in changes if start < k < end)
    out = []
    cursor = start
    for cut in cuts:
        out.append((cursor, cut, balance))
        balance += changes[cut]
        cursor = cut
    out.append((cursor, end, balance))
    return [s for s in out if s[1] > s[0]]


def accrue_interest(
    facility: LoanFacility, *, until: date, acting_user: Actor
) -> InterestAccrual | None:
    """Accrue interest from where it stopped up to ``until`` (exclusive): act/365, 円未満
    切捨て once per accrual; Dr 未収利息 / Cr 受取利息. Nothing to accrue: None."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        start = locked.interest_accrued_until
        if start is None or until <= start or locked.interest_rate is None:
            return None
        amount = rules.interest_on_balances(
            _segments(locked, start, until), Decimal(locked.interest_rate)
        )
        locked.interest_accrued_until = until
        locked.save(update_fields=["interest_accrued_until"])
        if amount == 0:
            return None
        accrual = InterestAccrual.objects.create(
            facility=locked, start=start, end=until, amount=amount
        )
        last = until - timedelta(days=1)
        ledger.post(
            loan_book.interest_accrued(
                f"loan:{locked.pk}:interest:{start.isoformat()}",
                last,
                client=client_code(locked.organization_id),
                amount=amount,
                description=f"利息計上 {locked.code} {start:%Y-%m-%d}〜{last:%Y-%m-%d}",
            ),
            actor=acting_user,
        )
        audit.record(
            "lending.interest_accrued",
            actor=acting_user,
            obj=locked,
            payload={"start": start.isoformat(), "end": until.isoformat(), "amount": amount},
        )
    return accrual


def record_repayment(
    facility: LoanFacility,
    *,
    amount: int,
    received_on: date,
    source: str,
    reference: str,
    acting_user: Actor,
    collateral: Collateral | None = None,
) -> Repayment:
    """Money received into the designated account (a debtor paid a pledged receivable) or
    the repayment account, entered by staff (the statement import matches it automatically:
    :mod:`urikake.lending.collections`). Booked Dr 普通預金 / Cr 仮受金 here, then applied
    like a matched deposit (:func:`apply_receipt`)."""
    reference = (reference or "").strip()[:60]
    if not reference:
        raise DomainError("lending.reference", "照会番号を入力してください。", field="reference")
    _amount_within(amount, field="amount", maximum=10**12, what="入金額")
    if received_on > _today():
        raise DomainError(
            "lending.future", "入金日に未来の日付は指定できません。", field="received_on"
        )
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        existing = Repayment.objects.filter(facility=locked, reference=reference).first()
        if existing is not None:
            if (existing.amount, existing.received_on) != (amount, received_on):
                raise DomainError(
                    "lending.reference_reused",
                    "この照会番号は別の入金で登録済みです。",
                    field="reference",
                )
            return existing
        collected = [(collateral, min(collateral.outstanding, amount))] if collateral else []
        _check_receipt(locked, collected, received_on)
        with translation.override("ja"):  # the books are Japanese whatever the reader's language
            source_label = str(Repayment.Source(source).label)
        ledger.post(
            book.deposit_received(
                f"loan:{locked.pk}:repayment:{reference}:received",
                received_on,
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"{source_label} 入金 {locked.code}",
            ),
            actor=acting_user,
        )
        return apply_receipt(
            locked,
            amount=amount,
            received_on=received_on,
            source=source,
            reference=reference,
            acting_user=acting_user,
            collected=collected,
        )


#: A loan that can receive money: active (repayments), closed (a pledged receivable collected
#: after full repayment: all of it returned to the borrower), defaulted (recoveries).
RECEIVING = (
    LoanFacility.Status.ACTIVE,
    LoanFacility.Status.CLOSED,
    LoanFacility.Status.DEFAULTED,
)


def _check_receipt(
    facility: LoanFacility, collected: list[tuple[Collateral, int]], received_on: date
) -> None:
    if facility.status not in RECEIVING:
        raise DomainError(
            "lending.not_active",
            "融資中（または完済・期限の利益喪失後）ではないため入金を登録できません。",
        )
    for c, _amount in collected:
        if c.facility_id != facility.pk or c.status != Collateral.Status.PLEDGED:
            raise DomainError("lending.collateral", "この融資の担保ではありません。")
    if received_on > _today():
        raise DomainError(
            "lending.future", "入金日に未来の日付は指定できません。", field="received_on"
        )
    # Interest already booked for a period after the receipt would have to be undone. A receipt
    # before the 融資実行日 of a loan not yet accruing (drawn after the cut-off, repaid by a
    # debtor the same day) is not that: it only lowers the principal interest will start on.
    if (
        facility.status == LoanFacility.Status.ACTIVE
        and facility.interest_accrued_until
        and received_on < facility.interest_accrued_until
        and facility.accruals.filter(end__gt=received_on).exists()
    ):
        raise DomainError(
            "lending.backdated",
            "利息計上済みの期間より前の入金日は登録できません。",
            field="received_on",
        )


def uncovered(facility: LoanFacility) -> int:
    """After a default: what the borrower still owes the platform itself (the principal the
    guarantor does not cover, and unpaid interest)."""
    return max(0, outstanding_principal(facility) - facility.guarantee_claim) + interest_due(
        facility
    )


def subrogated(facility: LoanFacility) -> int:
    """After a default: what the guarantor paid and may now recover from the borrower
    (代位弁済による求償・代位), less what recoveries already returned to it."""
    return facility.guarantee_claim_paid - facility.recovered_for_guarantor


def apply_receipt(
    facility: LoanFacility,
    *,
    amount: int,
    received_on: date,
    source: str,
    reference: str,
    acting_user: Actor,
    collected: list[tuple[Collateral, int]],
) -> Repayment:
    """Apply money already in suspense (仮受金) to the loan — one transaction, inside the
    caller's. An active loan: interest first, then principal (docs/lending.md says why), a
    surplus returned to the client by payout. A defaulted loan: a recovery, shared between
    the platform's uncovered part and the guarantor's subrogated part (按分), the guarantor's
    share paid to it by payout. ``collected``: the pledged receivables this money settles
    (collateral, yen); they leave the borrowing base, which is recomputed."""
    source = Repayment.Source(source)
    locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
    if Repayment.objects.filter(facility=locked, reference=reference).exists():
        raise DomainError("lending.reference_reused", "この入金は充当済みです。")
    _check_receipt(locked, collected, received_on)
    client = client_code(locked.organization_id)
    ref = f"loan:{locked.pk}:repayment:{reference}"
    guarantor_share = 0
    if locked.status != LoanFacility.Status.DEFAULTED:
        if locked.status == LoanFacility.Status.ACTIVE:
            accrue_interest(locked, until=received_on, acting_user=acting_user)
            locked.refresh_from_db()
        interest, principal, surplus = rules.split_repayment(
            amount, interest_due=interest_due(locked), principal=outstanding_principal(locked)
        )
        entry = loan_book.repayment_applied(
            ref,
            received_on,
            client=client,
            interest=interest,
            principal=principal,
            surplus=surplus,
            description=f"返済充当 {locked.code}",
        )
    else:
        platform, guarantor_share, surplus = rules.split_recovery(
            amount, uncovered=uncovered(locked), subrogated=subrogated(locked)
        )
        interest = min(platform, interest_due(locked))
        principal = platform - interest
        entry = loan_book.recovery_applied(
            ref,
            received_on,
            client=client,
            scheme=locked.guarantee_scheme,
            interest=interest,
            principal=principal,
            guarantor_share=guarantor_share,
            surplus=surplus,
            description=f"代位弁済後の回収金 {locked.code}",
        )
    ledger.post(entry, actor=acting_user)
    repayment = Repayment.objects.create(
        facility=locked,
        organization_id=locked.organization_id,
        source=source.value,
        reference=reference,
        received_on=received_on,
        amount=amount,
        interest=interest,
        principal=principal,
        surplus=surplus,
        guarantor_share=guarantor_share,
        collateral=collected[0][0] if collected else None,
        created_by=acting_user if isinstance(acting_user, User) else None,
    )
    payouts = []
    if surplus:
        payouts.append(_client_payout(locked, Payout.Kind.LOAN_SURPLUS, surplus, received_on))
    if guarantor_share:
        locked.recovered_for_guarantor += guarantor_share
        locked.save(update_fields=["recovered_for_guarantor"])
        payouts.append(
            _guarantor_payout(
                locked,
                Payout.Kind.RECOVERY_SHARE,
                guarantor_share,
                loan_book.guarantor_payable(locked.guarantee_scheme),
            )
        )
    repayment.payouts.set(payouts)
    for c, credited in collected:
        c.collected_amount += min(credited, c.outstanding)
        if c.outstanding == 0:
            c.status = Collateral.Status.COLLECTED
            c.ended_on = received_on
            # The debtor paid the invoice in full: it is 回収済み, and can back nothing else.
            Invoice.objects.filter(pk=c.invoice_id, status=Invoice.Status.REGISTERED).update(
                status=Invoice.Status.SETTLED
            )
        c.save(update_fields=["collected_amount", "status", "ended_on"])
    if outstanding_principal(locked) == 0 and locked.scheme_enum is rules.LoanScheme.INDIVIDUAL:
        locked.status = LoanFacility.Status.CLOSED
        locked.save(update_fields=["status"])
    audit.record(
        "lending.repaid" if locked.status != LoanFacility.Status.DEFAULTED else "lending.recovered",
        actor=acting_user,
        obj=locked,
        payload={
            "repayment": repayment.pk,
            "source": source.value,
            "amount": amount,
            "interest": interest,
            "principal": principal,
            "surplus": surplus,
            "guarantor_share": guarantor_share,
            "collateral": [c.pk for c, _ in collected],
            "payouts": [p.pk for p in payouts],
        },
    )
    events.repayment_received(locked, repayment, outstanding_principal(locked))
    if locked.status == LoanFacility.Status.ACTIVE:
        recompute_base(locked, acting_user=acting_user)
    return repayment


def _client_payout(facility: LoanFacility, kind: str, amount: int, on: date) -> Payout:
    """Money owed back to the client (its 未払金), queued for the next 全銀 batch."""
    account = current_payout_account(facility.organization)
    if account is None:
        raise DomainError(
            "funding.no_payout_account",
            "返還先のお客様の振込先口座が登録されていません。口座の登録後に充当してください。",
        )
    return Payout.objects.create(
        organization_id=facility.organization_id,
        kind=kind,
        amount=amount,
        requested_for=payout_queue_date(on),
        **Payout.beneficiary(account),
    )


@dataclass(frozen=True)
class _Account:
    bank_code: str
    branch_code: str
    account_type: int
    account_number: str
    holder_kana: str


def guarantor_account(scheme: str) -> _Account:
    """The guarantor's account for the scheme (settings.LENDING_GUARANTOR_ACCOUNTS)."""
    raw = settings.LENDING_GUARANTOR_ACCOUNTS.get(scheme)
    if not raw:
        raise DomainError(
            "lending.no_guarantor_account",
            "信用保証協会の振込先口座が設定されていません（LENDING_GUARANTOR_ACCOUNTS）。",
        )
    return _Account(
        str(raw["bank_code"]),
        str(raw["branch_code"]),
        int(raw["account_type"]),
        str(raw["account_number"]),
        str(raw["holder_kana"]),
    )


def _guarantor_payout(facility: LoanFacility, kind: str, amount: int, debit: str) -> Payout:
    """A transfer to the guarantor settling ``debit`` (a liability held for it)."""
    return Payout.objects.create(
        organization_id=facility.organization_id,
        kind=kind,
        amount=amount,
        debit_account=debit,
        requested_for=payout_queue_date(),
        **Payout.beneficiary(guarantor_account(facility.guarantee_scheme)),
    )


def remit_guarantee_fee(facility: LoanFacility, *, acting_user: User) -> Payout:
    """信用保証料の支払: the fee deducted from the first draw, held on 預り信用保証料, is sent
    to the guarantor — a treasury payout (dual control in the batch) whose ledger entry,
    when sent, clears the payable (Dr 預り信用保証料 / Cr 普通預金). Once per fee."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        due = int(locked.guarantee_fee) - locked.guarantee_fee_remitted
        if not locked.guarantee_fee_collected or due <= 0:
            raise DomainError("lending.no_fee_to_remit", "保証協会へ支払う信用保証料はありません。")
        payout = _guarantor_payout(
            locked,
            Payout.Kind.GUARANTEE_FEE,
            due,
            loan_book.guarantee_fee_payable(locked.guarantee_scheme),
        )
        locked.guarantee_fee_remitted += due
        locked.save(update_fields=["guarantee_fee_remitted"])
        audit.record(
            "lending.guarantee_fee_remitted",
            actor=acting_user,
            obj=locked,
            payload={"amount": due, "payout": payout.pk},
        )
    return payout


# --- the borrowing base, substitution and release ---------------------------------------------


def recompute_base(facility: LoanFacility, *, acting_user: Actor) -> rules.BorrowingBase:
    """Recompute the collateral value; a shortfall opens a notice (mailed to the owners),
    a covered loan resolves the open one."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        base = borrowing_base(locked)
        locked.collateral_value = base.collateral_value
        locked.base_computed_at = timezone.now()
        locked.save(update_fields=["collateral_value", "base_computed_at"])
        open_notice = ShortfallNotice.objects.filter(
            facility=locked, resolved_on__isnull=True
        ).first()
        today = _today()
        if base.shortfall and open_notice is None:
            notice = ShortfallNotice.objects.create(
                facility=locked,
                organization_id=locked.organization_id,
                on=today,
                outstanding=base.outstanding,
                collateral_value=base.collateral_value,
                shortfall=base.shortfall,
            )
            audit.record(
                "lending.shortfall",
                actor=acting_user,
                obj=notice,
                payload={
                    "outstanding": base.outstanding,
                    "collateral_value": base.collateral_value,
                    "shortfall": base.shortfall,
                },
            )
            events.shortfall(locked, notice)
        elif not base.shortfall and open_notice is not None:
            open_notice.resolved_on = today
            open_notice.save(update_fields=["resolved_on"])
            audit.record(
                "lending.shortfall_resolved", actor=acting_user, obj=open_notice, payload={}
            )
    return base


def add_collateral(
    facility: LoanFacility,
    invoice: Invoice,
    *,
    grade: rules.CreditGrade | str,
    method: Method | str,
    acting_user: User,
) -> Collateral:
    """A new receivable into a revolving facility (future receivables are assigned in
    advance), valued with the facility's fixed matrix."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.scheme_enum is not rules.LoanScheme.REVOLVING or locked.status not in (
            LoanFacility.Status.CONTRACTED,
            LoanFacility.Status.ACTIVE,
        ):
            raise DomainError(
                "lending.not_revolving", "担保の追加は契約済みの根保証の融資でのみできます。"
            )
        c = _pledge(locked, invoice, grade=rules.CreditGrade(grade), method=Method(method))
        audit.record(
            "lending.collateral_added",
            actor=acting_user,
            obj=c,
            payload={"facility": locked.pk, "invoice": invoice.pk, "rate": str(c.advance_rate)},
        )
        recompute_base(locked, acting_user=acting_user)
    return c


def release_collateral(
    collateral: Collateral, *, acting_user: User, replacement: Invoice | None = None
) -> Collateral:
    """担保解除 (or 差替え with ``replacement``): refused when the loan would then exceed the
    collateral value."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=collateral.facility_id)
        c = Collateral.objects.select_for_update().get(pk=collateral.pk)
        if c.status != Collateral.Status.PLEDGED:
            raise DomainError("lending.not_pledged", "この債権は担保に入っていません。")
        new = None
        if replacement is not None:
            new = _pledge(
                locked,
                replacement,
                grade=rules.CreditGrade(c.grade),
                method=Method(c.method),
                replaces=c,
            )
        c.status = Collateral.Status.RELEASED
        c.ended_on = _today()
        c.save(update_fields=["status", "ended_on"])
        base = borrowing_base(locked)
        if base.shortfall:
            raise DomainError(
                "lending.release_shortfall",
                f"解除すると借入残高が担保価値を{base.shortfall:,}円上回るため解除できません。",
            )
        audit.record(
            "lending.collateral_substituted" if new else "lending.collateral_released",
            actor=acting_user,
            obj=c,
            payload={"facility": locked.pk, "replacement": new.pk if new else None},
        )
        recompute_base(locked, acting_user=acting_user)
    return new or c


# --- default ----------------------------------------------------------------------------------


def default_facility(facility: LoanFacility, *, acting_user: User, comment: str) -> int:
    """期限の利益喪失: the guarantor owes its coverage share of the outstanding principal
    (Dr 代位弁済請求権 / Cr 貸付金); the rest stays owed by the borrower and is recovered from
    the collateral. Returns the claim."""
    if not comment.strip():
        raise DomainError("lending.comment", "理由を入力してください。", field="comment")
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.status != LoanFacility.Status.ACTIVE:
            raise DomainError("lending.not_active", "融資中ではありません。")
        principal = outstanding_principal(locked)
        version = rules.scheme(locked.guarantee_scheme, locked.created_at.date())
        entries, claim, remaining = loan_book.default_entries(
            str(locked.pk),
            _today(),
            client=client_code(locked.organization_id),
            scheme=locked.guarantee_scheme,
            principal=principal,
            coverage=version.coverage,
        )
        for entry in entries:
            ledger.post(entry, actor=acting_user)
        locked.status = LoanFacility.Status.DEFAULTED
        locked.guarantee_claim = claim
        locked.save(update_fields=["status", "guarantee_claim"])
        events.defaulted(locked)
        audit.record(
            "lending.defaulted",
            actor=acting_user,
            obj=locked,
            payload={
                "principal": principal,
                "claim": claim,
                "remaining": remaining,
                "comment": comment.strip(),
            },
        )
    return claim


def record_guarantor_payment(
    facility: LoanFacility,
    *,
    amount: int,
    received_on: date,
    reference: str,
    acting_user: Actor,
) -> LoanFacility:
    """The guarantor pays the claim (代位弁済) into the platform's account: Dr 普通預金 /
    Cr 代位弁済請求権; never more than what is still claimed; once per bank reference."""
    reference = (reference or "").strip()[:60]
    if not reference:
        raise DomainError("lending.reference", "照会番号を入力してください。", field="reference")
    _amount_within(amount, field="amount", maximum=10**12, what="入金額")
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        entry_id = f"loan:{locked.pk}:guarantor:{reference}"
        if ledger.entries_for(entry_id).exists():
            return locked
        if locked.status != LoanFacility.Status.DEFAULTED:
            raise DomainError("lending.not_defaulted", "代位弁済の請求がない融資です。")
        left = locked.guarantee_claim - locked.guarantee_claim_paid
        if amount > left:
            raise DomainError(
                "lending.claim_exceeded",
                f"代位弁済の請求残高（{left:,}円）を超えています。",
                field="amount",
            )
        ledger.post(
            loan_book.guarantee_claim_paid(
                entry_id,
                received_on,
                scheme=locked.guarantee_scheme,
                cash_account=platform_cash_account(),
                amount=amount,
                description=f"代位弁済の受領 {locked.code}",
            ),
            actor=acting_user,
        )
        locked.guarantee_claim_paid += amount
        locked.save(update_fields=["guarantee_claim_paid"])
        audit.record(
            "lending.guarantor_paid",
            actor=acting_user,
            obj=locked,
            payload={"amount": amount, "reference": reference, "left": left - amount},
        )
    return locked


def propose_write_off(facility: LoanFacility, *, acting_user: User, comment: str) -> LoanFacility:
    """貸倒償却の起票: after the default and the recoveries, the platform's uncovered share
    that is left is proposed for write-off; another person approves (dual control)."""
    if not comment.strip():
        raise DomainError("lending.comment", "理由を入力してください。", field="comment")
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.status != LoanFacility.Status.DEFAULTED:
            raise DomainError("lending.not_defaulted", "期限の利益喪失後の融資ではありません。")
        loss = uncovered(locked)
        if loss <= 0:
            raise DomainError("lending.nothing_to_write_off", "償却する残高がありません。")
        locked.write_off_proposed_by = acting_user
        locked.write_off_proposed_at = timezone.now()
        locked.save(update_fields=["write_off_proposed_by", "write_off_proposed_at"])
        audit.record(
            "lending.write_off_proposed",
            actor=acting_user,
            obj=locked,
            payload={"amount": loss, "comment": comment.strip()},
        )
    return locked


def approve_write_off(facility: LoanFacility, *, acting_user: User) -> LoanFacility:
    """The second person approves: Dr 貸倒損失 / Cr 未収利息, 貸付金 (the uncovered share
    left, computed again now); the loan ends as 貸倒償却済み. The proposer cannot approve."""
    with transaction.atomic():
        locked = LoanFacility.objects.select_for_update().get(pk=facility.pk)
        if locked.status == LoanFacility.Status.WRITTEN_OFF:
            return locked
        if (
            locked.status != LoanFacility.Status.DEFAULTED
            or locked.write_off_proposed_by_id is None
        ):
            raise DomainError("lending.no_write_off", "承認待ちの貸倒償却がありません。")
        if locked.write_off_proposed_by_id == acting_user.pk:
            raise DomainError("lending.same_person", "起票した人とは別の担当者が承認してください。")
        interest = interest_due(locked)
        principal = max(0, outstanding_principal(locked) - locked.guarantee_claim)
        ledger.post(
            loan_book.loan_written_off(
                f"loan:{locked.pk}:write_off",
                _today(),
                client=client_code(locked.organization_id),
                interest=interest,
                principal=principal,
                description=f"貸倒償却 {locked.code}",
            ),
            actor=acting_user,
        )
        locked.written_off = interest + principal
        locked.status = LoanFacility.Status.WRITTEN_OFF
        locked.save(update_fields=["written_off", "status"])
        audit.record(
            "lending.written_off",
            actor=acting_user,
            obj=locked,
            payload={
                "interest": interest,
                "principal": principal,
                "proposed_by": locked.write_off_proposed_by_id,
            },
        )
    return locked


# --- the balance report (残高報告) ------------------------------------------------------------


@dataclass(frozen=True)
class ReportFiles:
    report: rules.BalanceReport
    pdf: bytes
    csv: bytes


def _balance_on(c: Collateral, period_end: date) -> int:
    collected = sum(r.amount for r in c.repayments.all() if r.received_on <= period_end)
    return max(0, c.face_amount - min(collected, c.face_amount))


def build_report(facility: LoanFacility, period_end: date) -> ReportFiles:
    """The month-end collateral balances of one facility, as PDF and CSV."""
    lines = []
    collateral = (
        facility.collateral.filter(pledged_at__date__lte=period_end)
        .exclude(status=Collateral.Status.RELEASED, ended_on__lte=period_end)
        .select_related("invoice", "invoice__debtor")
        .prefetch_related("repayments")
        .order_by("pk")
    )
    for c in collateral:
        balance = _balance_on(c, period_end)
        if balance <= 0:
            continue
        rate = Decimal(c.advance_rate)
        lines.append(
            rules.ReportLine(
                debtor=c.invoice.debtor.name,
                invoice_number=c.invoice.invoice_number,
                due_date=c.invoice.due_date,
                balance=balance,
                advance_rate=rate,
                collateral_value=rules.CollateralItem(str(c.pk), balance, rate).value(),
            )
        )
    drawn = sum(d.amount for d in facility.draws.all() if d.drawn_on <= period_end)
    repaid = sum(r.principal for r in facility.repayments.all() if r.received_on <= period_end)
    report = rules.BalanceReport(
        period_end=period_end,
        deadline=rules.report_deadline(period_end),
        lines=tuple(lines),
        outstanding_principal=drawn - repaid,
        limit=int(facility.amount or 0),
    )
    return ReportFiles(report, _report_pdf(facility, report), _report_csv(report))


def _report_csv(report: rules.BalanceReport) -> bytes:
    out = io.StringIO()
    w = safe_csv.writer(out)
    w.writerow(["売掛先", "請求書番号", "支払期日", "月末残高", "掛け目", "担保価値"])
    for line in report.lines:
        w.writerow(
            [
                line.debtor,
                line.invoice_number,
                line.due_date.isoformat(),
                line.balance,
                str(line.advance_rate),
                line.collateral_value,
            ]
        )
    w.writerow(["合計", "", "", report.total_balance, "", report.total_collateral_value])
    w.writerow(["借入残高", "", "", report.outstanding_principal, "", ""])
    return out.getvalue().encode("utf-8-sig")


def _report_pdf(facility: LoanFacility, report: rules.BalanceReport) -> bytes:
    from urikake.contracts.pdf import render_plain  # reportlab, when a PDF is made

    rows = [["売掛先", "請求書番号", "支払期日", "月末残高", "掛け目", "担保価値"]]
    for line in report.lines:
        rows.append(
            [
                line.debtor,
                line.invoice_number,
                _d(line.due_date),
                f"{line.balance:,}円",
                format_rate_percent(line.advance_rate, 0),
                f"{line.collateral_value:,}円",
            ]
        )
    summary = (
        f"借入人: {facility.organization.name} / 融資番号: {facility.code} / "
        f"基準日: {_d(report.period_end)} / 提出期限: {_d(report.deadline)}\n"
        f"担保債権残高合計: {report.total_balance:,}円 / 担保価値合計: "
        f"{report.total_collateral_value:,}円 / 借入残高: {report.outstanding_principal:,}円"
        + (f" / 担保不足: {report.shortfall:,}円" if report.shortfall else "")
    )
    number = f"UR-{facility.pk:08d}-{report.period_end:%Y%m}"
    return render_plain("担保債権残高報告書", number, [("", summary), ("担保債権の明細", rows)])


def generate_report(
    facility: LoanFacility, *, period_end: date, acting_user: Actor
) -> BalanceReport:
    """Generate (or regenerate, while not submitted) the report as of ``period_end``."""
    files = build_report(facility, period_end)
    with transaction.atomic():
        report, _ = BalanceReport.objects.select_for_update().get_or_create(
            facility=facility,
            period_end=period_end,
            defaults={
                "organization_id": facility.organization_id,
                "deadline": files.report.deadline,
            },
        )
        if report.status == BalanceReport.Status.SUBMITTED:
            return report
        report.pdf = files.pdf
        report.csv = files.csv
        report.total_balance = files.report.total_balance
        report.total_collateral_value = files.report.total_collateral_value
        report.outstanding_principal = files.report.outstanding_principal
        report.generated_at = timezone.now()
        report.save()
        audit.record(
            "lending.report_generated",
            actor=acting_user,
            obj=report,
            payload={
                "period_end": period_end.isoformat(),
                "total_balance": report.total_balance,
                "outstanding": report.outstanding_principal,
            },
        )
    return report


def submit_report(report: BalanceReport, *, acting_user: User) -> BalanceReport:
    """The borrower confirms the month-end report (提出)."""
    with transaction.atomic():
        locked = BalanceReport.objects.select_for_update().get(pk=report.pk)
        if locked.status == BalanceReport.Status.SUBMITTED:
            return locked
        if locked.generated_at is None:
            raise DomainError("lending.report_not_generated", "報告書がまだ作成されていません。")
        locked.status = BalanceReport.Status.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.submitted_by = acting_user
        locked.save(update_fields=["status", "submitted_at", "submitted_by"])
        audit.record(
            "lending.report_submitted",
            actor=acting_user,
            obj=locked,
            payload={"late": _today() > locked.deadline},
        )
    return locked


def is_overdue(report: BalanceReport, today: date | None = None) -> bool:
    return report.status == BalanceReport.Status.DUE and (today or _today()) > report.deadline


def run_month_end(*, today: date | None = None, acting_user: Actor) -> dict[str, int]:
    """The daily job: last month's report of every active revolving facility, reminders
    before the deadline (bank business days), overdue counted."""
    today = today or _today()
    period_end = today.replace(day=1) - timedelta(days=1)
    generated = reminded = overdue = 0
    # The monthly report is the revolving scheme's duty (IV.6: 月の定期報告（根保証の場合）);
    # staff may still generate one for an individual loan on its page.
    active = LoanFacility.objects.filter(
        status=LoanFacility.Status.ACTIVE, scheme=rules.LoanScheme.REVOLVING.value
    )
    for facility in active:
        if not BalanceReport.objects.filter(facility=facility, period_end=period_end).exists():
            generate_report(facility, period_end=period_end, acting_user=acting_user)
            generated += 1
    for report in BalanceReport.objects.filter(status=BalanceReport.Status.DUE).select_related(
        "facility", "facility__organization"
    ):
        if is_overdue(report, today):
            overdue += 1
            events.report_overdue(report)  # once per report (one notice per subject)
            continue
        if today in rules.report_reminder_dates(report.deadline) and (
            today.isoformat() not in report.reminders_sent
        ):
            with transaction.atomic():
                report.reminders_sent = [*report.reminders_sent, today.isoformat()]
                report.save(update_fields=["reminders_sent"])
                audit.record(
                    "lending.report_reminded",
                    actor=acting_user,
                    obj=report,
                    payload={"deadline": report.deadline.isoformat()},
                )
                events.report_reminder(report, on=today.isoformat())
            reminded += 1
    return {"generated": generated, "reminded": reminded, "overdue": overdue}


def collection_account_label() -> str:
    """The platform's collection account as bank-branch-number (the loan's 指定口座 and
    返済専用口座)."""
    return (
        f"{settings.ZENGIN_BANK_CODE}-{settings.ZENGIN_BRANCH_CODE}-"
        f"{settings.ZENGIN_ACCOUNT_NUMBER}"
    )
