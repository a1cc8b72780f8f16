"""Loan repayments matched from the collection statement (treasury's ReceiptBook port).

The platform's collection account is each loan's designated account (指定口座: the debtors
pay the pledged receivables there) and its repayment account (返済専用口座: the borrower
pays there). Treasury imports the statement (each line once, booked to 仮受金) and runs
its one reconciliation engine over the purchases and these items together:

* ``loan:c<collateral>`` — a pledged receivable of an active (or defaulted) loan: the debtor
  is the expected payer, the outstanding face the amount, the invoice's due date the date;
* ``loan:f<facility>`` — the loan itself through the repayment account: the borrower is the
  expected payer, what it owes today (principal + interest accrued) the amount.

An unambiguous match is applied at once (:func:`urikake.lending.services.apply_receipt`);
anything else — a partial or ambiguous payment, a payment that could also be a purchased
receivable, a date before interest already accrued — waits in treasury's deposits queue and
is applied from the loan's back-office page (:func:`apply_deposit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from urikake.audit.actors import Actor
from urikake.domain import reconciliation as engine
from urikake.domain.errors import DomainError
from urikake.lending import services
from urikake.lending.models import Collateral, LoanFacility, Repayment
from urikake.treasury import collections as treasury
from urikake.treasury.models import Deposit
from urikake.treasury.policy import client_code

PREFIX = "loan:"
SERVICED = services.RECEIVING


def collateral_item(collateral_id: int) -> str:
    return f"{PREFIX}c{collateral_id}"


def facility_item(facility_id: int) -> str:
    return f"{PREFIX}f{facility_id}"


def _parse(item_id: str) -> tuple[str, int]:
    kind, number = item_id[len(PREFIX) : len(PREFIX) + 1], item_id[len(PREFIX) + 1 :]
    if not item_id.startswith(PREFIX) or kind not in ("c", "f") or not number.isdigit():
        raise DomainError("lending.bad_item", "融資の充当先が正しくありません。")
    return kind, int(number)


def payoff(facility: LoanFacility, on: date) -> int:
    """What the borrower owes on ``on``: principal and interest accrued to the day (after a
    default: the uncovered part and the guarantor's subrogated part)."""
    if facility.status == LoanFacility.Status.DEFAULTED:
        return services.uncovered(facility) + services.subrogated(facility)
    return services.outstanding_principal(facility) + services.interest_owed_on(facility, on)


def _ours(facility: LoanFacility, deposit: Deposit) -> bool:
    """The deposit arrived on the loan's designated or repayment account (a statement
    without its account number is the collection account's: treasury refuses others)."""
    st = deposit.statement
    if not st.account_number:
        return True
    account = f"{st.bank_code}-{st.branch_code}-{st.account_number}"
    return account in (facility.designated_account, facility.repayment_account) or not (
        facility.designated_account or facility.repayment_account
    )


class LoanReceiptBook:
    prefix = PREFIX

    def open_items(self, today: date) -> list[engine.OpenItem]:
        items = []
        pledged = (
            Collateral.objects.filter(
                status=Collateral.Status.PLEDGED, facility__status__in=SERVICED
            )
            .select_related("invoice__debtor")
            .order_by("pk")
        )
        for c in pledged:
            if c.outstanding <= 0:
                continue
            debtor = c.invoice.debtor
            items.append(
                engine.OpenItem(
                    id=collateral_item(c.pk),
                    # the real company, as for purchases: a payer name learned once serves all
                    debtor_id=f"I{debtor.identity_id}",
                    debtor_name=debtor.name,
                    debtor_kana=debtor.name_kana or debtor.name,
                    amount=c.outstanding,
                    due_date=c.invoice.due_date,
                    invoice_number=c.invoice.invoice_number,
                )
            )
        for f in LoanFacility.objects.filter(status__in=SERVICED).select_related("organization"):
            owed = payoff(f, today)
            if owed <= 0:
                continue
            items.append(
                engine.OpenItem(
                    id=facility_item(f.pk),
                    debtor_id=client_code(f.organization_id),
                    debtor_name=f.organization.name,
                    debtor_kana=f.organization.name_kana or f.organization.name,
                    amount=owed,
                    due_date=today,
                    invoice_number=f.code,
                )
            )
        return items

    def apply(
        self, deposit: Deposit, allocations: Sequence[tuple[str, int]], *, acting_user: Actor
    ) -> None:
        by_facility: dict[int, list[tuple[Collateral | None, int]]] = {}
        for item_id, amount in allocations:
            kind, pk = _parse(item_id)
            if kind == "f":
                by_facility.setdefault(pk, []).append((None, amount))
            else:
                c = Collateral.objects.select_for_update().get(pk=pk)
                by_facility.setdefault(c.facility_id, []).append((c, amount))
        if len(by_facility) != 1:
            # One deposit, one loan: a transfer settling receivables of two loans is split by
            # a person (the amounts per loan are the borrower's business, not ours to guess).
            raise DomainError(
                "lending.several_loans",
                "複数の融資にまたがる入金です。融資ごとに確認してください。",
            )
        ((facility_id, parts),) = by_facility.items()
        facility = LoanFacility.objects.get(pk=facility_id)
        collected = [(c, a) for c, a in parts if c is not None]
        if not _ours(facility, deposit):
            raise DomainError("lending.other_account", "この融資の指定口座への入金ではありません。")
        services.apply_receipt(
            facility,
            amount=deposit.amount,
            received_on=deposit.value_date,
            source=(
                Repayment.Source.DESIGNATED if collected else Repayment.Source.REPAYMENT_ACCOUNT
            ),
            reference=f"deposit:{deposit.pk}",
            acting_user=acting_user,
            collected=collected,
        )

    def describe(self, item_ids: Sequence[str]) -> str:
        codes = []
        for item_id in item_ids:
            kind, pk = _parse(item_id)
            facility_id = (
                pk
                if kind == "f"
                else Collateral.objects.filter(pk=pk).values_list("facility_id", flat=True).first()
            )
            if facility_id and f"L{facility_id}" not in codes:
                codes.append(f"L{facility_id}")
        return "融資 " + "・".join(codes) + " の返済の候補です。融資の画面から充当できます"


def pending_deposits(facility: LoanFacility) -> list[Deposit]:
    """Deposits still in suspense that an operator may apply to this loan: the engine's
    candidates for it first, then the other unapplied ones of the last 90 days."""
    mine = {facility_item(facility.pk)} | {
        collateral_item(pk) for pk in facility.collateral.values_list("pk", flat=True)
    }
    open_ = Deposit.objects.filter(
        status__in=[Deposit.Status.NEW, Deposit.Status.SUGGESTED, Deposit.Status.UNMATCHED],
        value_date__gte=timezone.localdate() - timedelta(days=90),
    ).order_by("-value_date", "-pk")[:200]
    rows = list(open_)
    return sorted(rows, key=lambda d: not (mine & set(d.proposal.get("book_items", []))))


def apply_deposit(
    facility: LoanFacility,
    deposit: Deposit,
    *,
    acting_user: Actor,
    collateral: Collateral | None = None,
) -> Deposit:
    """An operator applies a queued deposit to this loan (to one pledged receivable the
    debtor paid, or as a repayment by the borrower)."""
    if collateral is not None and collateral.facility_id != facility.pk:
        raise DomainError("lending.collateral", "この融資の担保ではありません。")
    item = collateral_item(collateral.pk) if collateral is not None else facility_item(facility.pk)
    credited = min(collateral.outstanding, deposit.amount) if collateral else deposit.amount
    with transaction.atomic():
        return treasury.apply_to_book(
            deposit, allocations=[(item, credited)], acting_user=acting_user
        )
