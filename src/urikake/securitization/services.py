"""Every state change of a pool: build (freeze), structure, true sale. One transaction and one
audit record each (docs/architecture.md)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from urikake.audit import services as audit
from urikake.domain import ledger as rules
from urikake.domain.errors import DomainError
from urikake.domain.securitization import eligibility
from urikake.ledger import services as ledger
from urikake.securitization import assumptions
from urikake.securitization.models import Pool, PoolEvent, PoolItem
from urikake.servicing.models import Position
from urikake.treasury.models import Perfection

PERFECTED = (Perfection.Stage.PERFECTED, Perfection.Stage.EXTENDED)


def _grade_of(position: Position) -> str:
    for item in (position.application.screening_result or {}).get("invoices", []):
        if item.get("invoice") == position.invoice_id and item.get("grade"):
            return str(item["grade"])
    return "E"  # unknown: the most cautious grade


def candidates() -> list[eligibility.Candidate]:
    """Every open position as a pool candidate (eligibility is decided by the domain)."""
    out = []
    rows = Position.objects.filter(status=Position.Status.OPEN).select_related(
        "application__perfection", "invoice__assignment_clause", "debtor"
    )
    for p in rows:
        perfection = getattr(p.application, "perfection", None)
        clause = getattr(p.invoice, "assignment_clause", None)
        out.append(
            eligibility.Candidate(
                position_id=p.pk,
                # The real company (one identity across every client that sells its
                # invoices): concentration limits and 特定先 obligors are per company.
                debtor=f"I{p.debtor.identity_id}",
                product=p.product,
                residual=p.residual,
                due_date=p.due_date,
                open=True,
                perfected=perfection is not None and perfection.stage in PERFECTED,
                clause_unreleased=clause is not None and not clause.released,
                grade=_grade_of(p),
            )
        )
    return out


def historical_dilution() -> Decimal:
    """Dilution seen on collected positions: payer-deducted amounts ÷ face."""
    sums = Position.objects.filter(status=Position.Status.COLLECTED).aggregate(
        face=Sum("face_amount"), diluted=Sum("fee_deducted")
    )
    return eligibility.dilution_rate(sums["face"] or 0, sums["diluted"] or 0)


def build_pool(
    *,
    name: str,
    cut_off: date,
    method: str,
    allowed_products: list[str],
    concentration_limit: Decimal,
    acting_user: Any,
) -> Pool:
    """Select the eligible positions, apply the haircuts and freeze the pool."""
    if not name.strip():
        raise DomainError("securitization.name", "名称を入力してください。", field="name")
    with transaction.atomic():
        version = assumptions.in_force(cut_off)
        selection = eligibility.select(
            candidates(),
            cut_off=cut_off,
            allowed_products=frozenset(allowed_products),
            method=method,
            concentration_limit=concentration_limit,
            assumptions=assumptions.as_domain(version),
        )
        if not selection.included:
            why = Counter(reason for _, reason in selection.excluded)
            detail = " ".join(f"{reason}（{n}件）" for reason, n in why.most_common())
            raise DomainError(
                "securitization.no_eligible_positions",
                f"基準日時点で対象となる債権がありません。{detail}",
            )
        rate = historical_dilution()
        pool = Pool.objects.create(
            name=name.strip(),
            method=method,
            cut_off_date=cut_off,
            allowed_products=sorted(allowed_products),
            concentration_limit=concentration_limit,
            balance=selection.balance,
            sold_balance=sum(i.residual for i in selection.included),
            dilution_rate=rate,
            dilution_reserve=eligibility.dilution_reserve(selection.balance, rate),
            excluded=[{"position": pid, "reason": why} for pid, why in selection.excluded],
            assumptions=version,
            created_by=acting_user,
        )
        grades = {c.position_id: c.grade for c in candidates()}
        PoolItem.objects.bulk_create(
            PoolItem(
                pool=pool,
                position_id=i.position_id,
                debtor_key=i.debtor,
                grade=grades.get(i.position_id, "E"),
                residual=i.residual,
                haircut=i.haircut,
                pd=i.pd,
                lgd=i.lgd,
                months=i.months,
            )
            for i in selection.included
        )
        audit.record(
            "securitization.pool_built",
            actor=acting_user,
            obj=pool,
            payload={
                "cut_off": cut_off,
                "method": method,
                "positions": [i.position_id for i in selection.included],
                "excluded": len(selection.excluded),
                "balance": selection.balance,
                "haircuts": selection.haircuts,
                "assumptions": version.version if version else None,
            },
        )
    return pool


def set_structure(
    pool: Pool,
    *,
    senior: Decimal,
    mezzanine: Decimal,
    retain_subordinated: bool,
    vehicle: str,
    enhancement: str,
    enhancement_fee_rate: Decimal,
    correlation: Decimal,
    acting_user: Any,
) -> Pool:
    with transaction.atomic():
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        if pool.status != Pool.Status.FROZEN:
            raise DomainError("securitization.sold", "譲渡済みのプールは変更できません。")
        # The waterfall brings numpy: imported here, not when the apps load (every command).
        from urikake.domain.securitization.waterfall import tranche_specs

        tranche_specs(float(senior), float(mezzanine))  # validates the shares
        if not Decimal(0) <= correlation < Decimal(1):
            raise DomainError(
                "securitization.correlation_out_of_range",
                "資産相関は0以上1未満で指定してください。",
                field="correlation",
            )
        if vehicle not in Pool.Vehicle.values or enhancement not in Pool.Enhancement.values:
            raise DomainError("securitization.choice", "選択肢から選んでください。")
        pool.senior_share, pool.mezzanine_share = senior, mezzanine
        pool.retain_subordinated = retain_subordinated
        pool.vehicle, pool.enhancement = vehicle, enhancement
        pool.enhancement_fee_rate = enhancement_fee_rate if enhancement != "none" else Decimal(0)
        pool.correlation = correlation
        pool.save()
        audit.record(
            "securitization.structured",
            actor=acting_user,
            obj=pool,
            payload={
                "senior": senior,
                "mezzanine": mezzanine,
                "retain_subordinated": retain_subordinated,
                "vehicle": vehicle,
                "enhancement": enhancement,
                "enhancement_fee_rate": pool.enhancement_fee_rate,
                "correlation": correlation,
            },
        )
    return pool


def retained_amount(pool: Pool) -> int:
    """What the platform keeps of the sold balance: the haircuts, plus the subordinated part
    when it retains it. Tranche yen are cut from the eligible balance (切捨て)."""
    sub_share = Decimal(1) - pool.senior_share - pool.mezzanine_share
    sub = int(pool.balance * sub_share) if pool.retain_subordinated else 0
    return (pool.sold_balance - pool.balance) + sub


def sell_pool(pool: Pool, *, on: date, acting_user: Any) -> Pool:
    """True sale to the SPV: the positions' receivables leave the balance sheet."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        if pool.status != Pool.Status.FROZEN:
            raise DomainError("securitization.sold", "このプールは譲渡済みです。")
        items = list(pool.items.select_related("position"))
        taken = (
            PoolItem.objects.filter(
                position__in=[i.position_id for i in items], pool__status=Pool.Status.SOLD
            )
            .exclude(pool=pool)
            .exists()
        )
        if taken:
            raise DomainError(
                "securitization.already_sold", "他のプールで譲渡済みの債権が含まれています。"
            )
        changed = [
            i for i in items if i.position.residual != i.residual or i.position.status != "open"
        ]
        if changed:
            raise DomainError(
                "securitization.stale_pool",
                "基準日の後に回収などで残高が変わった債権があります。プールを作り直してください。",
            )
        entry = rules.true_sale(
            f"securitization:{pool.code}:sold",
            on,
            pool=pool.code,
            receivables=[
                (i.position.client_code, i.position.debtor_code, i.residual) for i in items
            ],
            retained=retained_amount(pool),
        )
        ledger.post(entry, actor=acting_user)
        pool.status = Pool.Status.SOLD
        pool.sold_on = on
        pool.sold_by = acting_user
        pool.save(update_fields=["status", "sold_on", "sold_by"])
        audit.record(
            "securitization.sold",
            actor=acting_user,
            obj=pool,
            payload={"on": on, "entry": entry.id, "sold_balance": pool.sold_balance},
        )
    return pool


def sold_in(position_id: int) -> str | None:
    """The code of the pool a position was sold in (servicing's lookup), or ``None``."""
    pool_id = (
        PoolItem.objects.filter(position_id=position_id, pool__status=Pool.Status.SOLD)
        .values_list("pool_id", flat=True)
        .first()
    )
    return None if pool_id is None else f"P{pool_id}"


def remit_collections(pool: Pool, *, on: date, cash_account: str, acting_user: Any) -> int:
    """Pass what was collected for the SPV on to its account (Dr SPV預り金 / Cr 普通預金)."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        owed = ledger.balance(rules.spv_account("spv_payable", pool.code))
        held = -owed  # a liability: credit balance
        if held <= 0:
            return 0
        n = ledger.entries_for(f"securitization:{pool.code}:remit").count() + 1
        entry = rules.spv_remittance(
            f"securitization:{pool.code}:remit:{n}",
            on,
            pool=pool.code,
            cash_account=cash_account,
            amount=held,
        )
        ledger.post(entry, actor=acting_user)
        audit.record(
            "securitization.remitted",
            actor=acting_user,
            obj=pool,
            payload={"on": on, "amount": held, "entry": entry.id},
        )
    return held


def record_price_received(pool: Pool, *, on: date, cash_account: str, acting_user: Any) -> int:
    """The SPV paid the price: clears ``spv_receivable:<pool>`` into the bank account."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().get(pk=pool.pk)
        if pool.status != Pool.Status.SOLD:
            raise DomainError("securitization.not_sold", "このプールはまだ譲渡されていません。")
        due = ledger.balance(rules.spv_account("spv_receivable", pool.code))
        if due <= 0:
            return 0
        entry = rules.spv_price_received(
            f"securitization:{pool.code}:price",
            on,
            pool=pool.code,
            cash_account=cash_account,
            amount=due,
        )
        ledger.post(entry, actor=acting_user)
        audit.record(
            "securitization.price_received",
            actor=acting_user,
            obj=pool,
            payload={"on": on, "amount": due, "entry": entry.id},
        )
    return due


@dataclass(frozen=True)
class Performance:
    """A sold pool's actual credit record (from :class:`PoolEvent`, the SPV's sub-ledger)."""

    defaulted: int  # residual at the first default (or write-off) of each position
    recovered: int
    written_off: int
    holdback_applied: int
    balance: int  # the pool's initial balance (after haircuts): the ratio's denominator
    trigger: Decimal

    @property
    def spv_loss(self) -> int:
        """What the SPV lost: written off, less what the clients' holdbacks covered."""
        return self.written_off - self.holdback_applied

    @property
    def cumulative_default_ratio(self) -> Decimal:
        return Decimal(self.defaulted) / Decimal(self.balance) if self.balance else Decimal(0)

    @property
    def breached(self) -> bool:
        return self.cumulative_default_ratio > self.trigger


def performance(pool: Pool) -> Performance:
    from urikake.securitization.analysis import trigger_of

    first: dict[int, int] = {}
    recovered = written_off = applied = 0
    for e in pool.events.order_by("pk"):
        if e.kind in (PoolEvent.Kind.DEFAULT, PoolEvent.Kind.WRITE_OFF):
            first.setdefault(e.position_id, e.amount)
        if e.kind == PoolEvent.Kind.WRITE_OFF:
            written_off += e.amount
            applied += e.holdback_applied
        elif e.kind == PoolEvent.Kind.RECOVERY:
            recovered += e.amount
    return Performance(
        defaulted=sum(first.values()),
        recovered=recovered,
        written_off=written_off,
        holdback_applied=applied,
        balance=pool.balance,
        trigger=trigger_of(pool),
    )


def record_sold_event(
    position_id: int, kind: str, amount: int, holdback_applied: int, on: date, actor: Any
) -> None:
    """Servicing's listener: a credit event on a sold position goes into the SPV's record
    (never the platform's 貸倒損失); the first time the pool's cumulative defaults cross the
    trigger the pool is marked (full turbo from then on) and audited."""
    item = (
        PoolItem.objects.filter(position_id=position_id, pool__status=Pool.Status.SOLD)
        .select_related("pool")
        .first()
    )
    if item is None or amount <= 0:
        return
    pool = Pool.objects.select_for_update().get(pk=item.pool_id)
    event = PoolEvent.objects.create(
        pool=pool,
        position_id=position_id,
        kind=kind,
        amount=amount,
        holdback_applied=holdback_applied,
        on=on,
    )
    audit.record(
        "securitization.credit_event",
        actor=actor,
        obj=pool,
        payload={
            "event": event.pk,
            "position": position_id,
            "kind": kind,
            "amount": amount,
            "holdback_applied": holdback_applied,
            "on": on,
        },
    )
    record = performance(pool)
    if record.breached and pool.trigger_breached_on is None:
        pool.trigger_breached_on = on
        pool.save(update_fields=["trigger_breached_on"])
        audit.record(
            "securitization.trigger_breached",
            actor=actor,
            obj=pool,
            payload={
                "on": on,
                "cumulative_default_ratio": record.cumulative_default_ratio,
                "trigger": record.trigger,
            },
        )
