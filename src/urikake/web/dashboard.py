"""The applicant's my page as a dashboard, its 取引明細 and 見積書: the rows, read from the apps
that own them (receivables, plans, contracts, servicing, treasury), the numbers from
:mod:`urikake.domain.client_reports`. Reads only.

``web`` sits above those apps; the applicants app (below them) shows the dashboard through
the ``{% my_dashboard organization %}`` template tag (:mod:`urikake.web.templatetags.mypage`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from urikake.accounts.compiled_reads import CompiledRead
from urikake.applicants.models import Organization
from urikake.audit.models import AuditRecord
from urikake.contracts.services import latest_contract_states
from urikake.domain.applications import ApplicationStatus
from urikake.domain.client_reports import (
    DealCost,
    FundsReceived,
    KindReceived,
    NextStep,
    StatementRow,
    Step,
    funds_from_kinds,
    next_step,
)
from urikake.domain.products import spec
from urikake.plans import services as plans
from urikake.receivables.models import FinancingApplication
from urikake.receivables.screening import line_in_use
from urikake.servicing import overdue
from urikake.servicing.models import Position
from urikake.treasury.models import Payout

#: Applications on which the client still has something to do or to wait for.
OPEN_STATUSES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.REFERRED,
    ApplicationStatus.OFFERED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.FUNDED,
]


def _md(day: date) -> str:
    return _("%(month)s月%(day)s日") % {"month": day.month, "day": day.day}


#: The next step in words (translated when shown: one lookup per deal, not one per wording).
STEP_TEXTS = {
    Step.SUBMIT: gettext_noop("申込みを送信してください"),
    Step.WAIT_SCREENING: gettext_noop("審査中です。結果をお知らせするまでお待ちください"),
    Step.ANSWER_OFFER: gettext_noop("提示条件をご確認のうえ、承諾してください（%(date)sまで）"),
    Step.SIGN: gettext_noop("契約書に署名してください（%(date)sまで）"),
    Step.WAIT_PAYOUT: gettext_noop("%(date)sにお振込みします"),
    Step.DEBTOR_PAYS_US: gettext_noop("売掛先から当社への入金をお待ちください（%(date)s期日）"),
    Step.REPORT_AND_FORWARD: gettext_noop(
        "売掛先から入金があったらご報告のうえ、当社へお振込みください（%(date)s期日）"
    ),
    Step.FORWARD_NOW: gettext_noop("回収したお金を当社口座へお振込みください（%(date)sまで）"),
    Step.OVERDUE: gettext_noop("期日（%(date)s）を過ぎています。担当者からご連絡します"),
}
#: The same without a deadline.
UNDATED_STEP_TEXTS = {
    Step.ANSWER_OFFER: gettext_noop("提示条件をご確認のうえ、承諾してください"),
    Step.SIGN: gettext_noop("契約書に署名してください"),
    Step.WAIT_PAYOUT: gettext_noop("お振込みの準備をしています"),
    Step.DEBTOR_PAYS_US: gettext_noop("売掛先から当社への入金をお待ちください"),
    Step.REPORT_AND_FORWARD: gettext_noop(
        "売掛先から入金があったらご報告のうえ、当社へお振込みください"
    ),
    Step.FORWARD_NOW: gettext_noop("回収したお金を当社口座へお振込みください"),
    Step.OVERDUE: gettext_noop("期日を過ぎています。担当者からご連絡します"),
}


def step_text(step: NextStep) -> str:
    """The next step in words, with its deadline: 「契約書に署名してください（12月10日まで）」."""
    if step.deadline is not None:
        return _(STEP_TEXTS[step.step]) % {"date": _md(step.deadline)}
    if step.step in (Step.SUBMIT, Step.WAIT_SCREENING):
        return _(STEP_TEXTS[step.step])
    return _(UNDATED_STEP_TEXTS[step.step])


@dataclass(frozen=True)
class OpenDeal:
    application_id: int
    invoice_numbers: str
    debtors: str
    amount: int
    status_label: str
    step: NextStep
    text: str
    url: str
    has_offer: bool


@dataclass(frozen=True)
class CreditLineView:
    limit: int
    used: int

    @property
    def available(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def used_percent(self) -> int:
        return min(100, self.used * 100 // self.limit) if self.limit else 0


def _date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _path_prefix(view_name: str) -> str:
    """The path of a deal's page without the deal's id that ends it: reversed once for the
    page, not once per deal."""
    return reverse(view_name, args=[0]).removesuffix("0/")


#: The home page lists this many open deals at most, the newest first; the applications page
#: lists them all. A client in business for years has hundreds of funded deals: the page read
#: and drew every one on each visit (1,000 invoices and 100 open deals made the applicant's home
#: 5× heavier, 139,000 Python calls against 27,000).
OPEN_DEALS_SHOWN = 20


def _open_deals_query(org: int, limit: int | None) -> QuerySet[Any, Any]:
    rows = (
        FinancingApplication.objects.filter(organization_id=org, status__in=OPEN_STATUSES)
        # A funded deal stays open while one of its purchases is; the finished ones (all
        # collected) are left out here rather than read and dropped below.
        .filter(
            ~Q(status=ApplicationStatus.FUNDED)
            | Exists(
                Position.objects.filter(application=OuterRef("pk"), status=Position.Status.OPEN)
            )
        )
        .order_by("-created_at", "-pk")
        # not the screening result, a JSON document decoded per row
        .values_list("pk", "status", "product", "requested_amount", "offer", "offer_expires_on")
    )
    return rows if limit is None else rows[:limit]


@functools.cache
def _open_deals_read(limit: int | None) -> CompiledRead:
    """The open deals' rows, compiled once per limit (the limit is part of the text)."""
    return CompiledRead(lambda org: _open_deals_query(org, limit), org=int)


def open_deals(org: Organization, *, today: date, limit: int | None = None) -> list[OpenDeal]:
    """The organisation's deals with a next step, newest first (at most ``limit``).

    Read as plain rows of the few columns used (three queries; one for a client without open
    deals), not as models with prefetch_related: a model per row and the prefetch machinery
    were most of this function's CPU on my page, the heaviest page of the load mix."""
    apps = _open_deals_read(limit).rows(org=org.pk)
    if not apps:
        return []
    ids = [row[0] for row in apps]
    numbers: dict[int, list[str]] = {}
    debtors: dict[int, set[str]] = {}
    for app_id, number, debtor in (
        FinancingApplication.invoices.through.objects.filter(financingapplication_id__in=ids)
        .order_by("pk")  # the order the invoices were attached
        .values_list("financingapplication_id", "invoice__invoice_number", "invoice__debtor__name")
    ):
        numbers.setdefault(app_id, []).append(number)
        debtors.setdefault(app_id, set()).add(debtor)
    # Each open purchase's collection deadline (overdue.deadline_of, from the row's columns)
    # and the day the client is to forward what it collected.
    deadlines: dict[int, list[date]] = {}
    forwards: dict[int, list[date]] = {}
    purchased: set[int] = set()  # deals with an open purchase
    for app_id, product, expected_on, forward_due_on in Position.objects.filter(
        application_id__in=ids, status=Position.Status.OPEN
    ).values_list("application_id", "product", "expected_on", "forward_due_on"):
        purchased.add(app_id)
        deadlines.setdefault(app_id, []).append(
            overdue.deadline_from(product, expected_on, forward_due_on)
        )
        if forward_due_on:
            forwards.setdefault(app_id, []).append(forward_due_on)
    application_url = _path_prefix("receivables:application")
    contract_url = _path_prefix("contracts:detail")
    deals = []
    for pk, raw_status, product, requested_amount, offer, offer_expires_on in apps:
        status = ApplicationStatus(raw_status)
        offer = offer or {}
        forward = forwards.get(pk)
        step = next_step(
            status,
            today=today,
            offer_expires_on=offer_expires_on,
            payout_on=_date(offer.get("payout_date")),
            collect_by=min(deadlines.get(pk, ()), default=None),
            client_forwards=spec(product).client_forwards,
            forward_due_on=min(forward) if forward else None,
        )
        if step is None or (status is ApplicationStatus.FUNDED and pk not in purchased):
            continue
        signing = status in (ApplicationStatus.ACCEPTED, ApplicationStatus.CONTRACTED)
        deals.append(
            OpenDeal(
                application_id=pk,
                invoice_numbers="、".join(numbers.get(pk, ())),
                debtors="、".join(sorted(debtors.get(pk, ()))),
                amount=int(offer.get("net_payout") or requested_amount),
                status_label=_(status.label),
                step=step,
                text=step_text(step),
                url=f"{contract_url if signing else application_url}{pk}/",
                has_offer=bool(offer.get("invoices")) or status is ApplicationStatus.DRAFT,
            )
        )
    return deals


def _received(org: int) -> QuerySet[Payout, Payout]:
    """The payouts the client received, each with the day it came in (``on``)."""
    return Payout.objects.filter(
        organization_id=org, status=Payout.Status.SENT, debit_account=""
    ).annotate(on=Coalesce("batch__value_date", "requested_for"))


#: The received payouts summed by kind (compiled once: the heaviest query of my page to build).
_FUNDS_BY_KIND = CompiledRead(
    lambda org, month, next_month: (
        _received(org)
        .values_list("kind")
        .annotate(
            total=Sum("amount"),
            this_month=Sum("amount", filter=Q(on__gte=month, on__lt=next_month)),
            count=Count("pk"),
            first_on=Min("on"),
        )
    ),
    org=int,
    month=date,
    next_month=date,
)


def funds(org: Organization, *, today: date) -> FundsReceived:
    """The transfers the client received (sent to it, not to a third party, not returned), in
    total, in ``today``'s month and by kind, in the order the kinds were first received (by
    value date, then payout id): summed by kind in the database, whatever the number of
    payouts (a client in business for years has thousands; they were read one by one).

    The day a payout came in is its batch's value date, the day it was requested for when
    it has no batch."""
    month = today.replace(day=1)
    next_month = (month + timedelta(days=31)).replace(day=1)
    rows = _FUNDS_BY_KIND.rows(org=org.pk, month=month, next_month=next_month)
    kinds = {row[0]: row[1:] for row in rows}
    # Two kinds first received the same day rank by the id of each one's first payout of
    # that day (asked only then: most kinds start on different days).
    days = [first_on for *_, first_on in kinds.values()]
    tied = [(kind, first_on) for kind, (*_, first_on) in kinds.items() if days.count(first_on) > 1]
    firsts: dict[str, int] = {}
    if tied:
        first_days = Q()
        for kind, first_on in tied:
            first_days |= Q(kind=kind, on=first_on)
        firsts = dict(
            _received(org.pk).filter(first_days).values_list("kind").annotate(first=Min("pk"))
        )
    return funds_from_kinds(
        KindReceived(kind, total, this_month or 0, count, (first_on, firsts.get(kind, 0)))
        for kind, (total, this_month, count, first_on) in kinds.items()
    )


#: The fee table of my page shows this many funded deals, the newest first; the cumulative
#: fee figure is over all of them (a client in business for years has thousands).
FUNDED_DEALS_SHOWN = 10


@dataclass(frozen=True)
class DealCosts:
    """The newest funded deals' costs (:data:`FUNDED_DEALS_SHOWN` at most), the fees of all
    of them and whether there are more than those shown."""

    rows: list[DealCost]
    fees_total: int
    more: bool = False


def _deal_costs_query(org: int, limit: int | None) -> QuerySet[Any, Any]:
    sent_advances = Payout.objects.filter(
        application=OuterRef("application_id"),
        kind=Payout.Kind.ADVANCE,
        status=Payout.Status.SENT,
    ).annotate(on=Coalesce("batch__value_date", "requested_for"))
    query = (
        Position.objects.filter(organization_id=org)
        .filter(Exists(sent_advances))
        .annotate(
            paid_out_on=Subquery(sent_advances.order_by("-on", "-pk").values("on")[:1]),
            all_fees=Window(Sum(F("fee") + F("admin_fee"))),
        )
        .order_by("-pk")
        .values_list(
            "invoice__invoice_number",
            "face_amount",
            "advance_amount",
            "fee",
            "admin_fee",
            "collected_on",
            "expected_on",
            "paid_out_on",
            "all_fees",
        )
    )
    return query if limit is None else query[: limit + 1]


@functools.cache
def _deal_costs_read(limit: int | None) -> CompiledRead:
    """The funded deals' rows, compiled once per limit (the limit is part of the text)."""
    return CompiledRead(lambda org: _deal_costs_query(org, limit), org=int)


def deal_costs(org: Organization, *, limit: int | None = None) -> DealCosts:
    """The cost of the organisation's funded deals (one per purchased invoice), the newest
    ``limit`` of them (all without one), with the fees of all of them.

    A deal is funded once its advance is sent (a returned advance is RETURNED, its
    replacement SENT: counted once). One query: each row's payout date from a subquery, the
    fees of all funded deals as a window sum (computed before the limit), one row more than
    shown to tell whether there are more."""
    rows = _deal_costs_read(limit).rows(org=org.pk)
    if not rows:
        return DealCosts([], 0)  # nothing funded yet: no position has a cost
    costs = [
        DealCost(
            ref=ref,
            face=face,
            advance=advance,
            fee=fee,
            admin_fee=admin_fee,
            paid_out_on=paid_out_on,
            until=collected_on if collected_on is not None else expected_on,
            settled=collected_on is not None,
        )
        for (
            ref,
            face,
            advance,
            fee,
            admin_fee,
            collected_on,
            expected_on,
            paid_out_on,
            _all_fees,
        ) in rows[:limit]
    ]
    return DealCosts(costs, int(rows[0][-1]), more=len(rows) > len(costs))


def credit_line(org: Organization) -> CreditLineView | None:
    line = plans.credit_line_shown(org)
    if line is None:
        return None
    return CreditLineView(limit=line.amount, used=line_in_use(org.pk))


CONTRACT_STATE_LABELS = {
    "signed": gettext_noop("締結済み"),
    "awaiting_signature": gettext_noop("署名待ち"),
    "not_signed": gettext_noop("未締結"),
}


@dataclass(frozen=True)
class ContractItem:
    application_id: int
    label: str


def contract_items(org: Organization, *, limit: int) -> list[ContractItem]:
    """The newest ``limit`` deals with contract documents and their state (the contracts
    list shows them all)."""
    return [
        ContractItem(application_id, _(CONTRACT_STATE_LABELS[state]))
        for application_id, state in latest_contract_states(org.pk, limit=limit)
    ]


#: The events of a deal the client is shown in its history (an action without a label here
#: is an internal step and is not shown).
HISTORY_LABELS = {
    "application.submitted": gettext_noop("申込みを送信しました"),
    "application.offered": gettext_noop("条件が提示されました"),
    "application.referred": gettext_noop("担当者が確認しています"),
    "application.declined": gettext_noop("今回はお見送りとなりました"),
    "application.accepted": gettext_noop("条件を承諾しました"),
    "application.contracted": gettext_noop("契約を締結しました"),
    "application.funded": gettext_noop("買取代金をお振込みしました"),
    "application.settled": gettext_noop("お取引が完了しました"),
    "application.cancelled": gettext_noop("申込みを取り消しました"),
    "application.expired": gettext_noop("提示条件の有効期限が過ぎました"),
    "application.defaulted": gettext_noop("回収不能となりました"),
}


@dataclass(frozen=True)
class HistoryItem:
    at: Any
    text: str
    application_id: int
    url: str  # the deal's page
    ref: str  # 「No.12」


_APPLICATION_IDS = CompiledRead(
    lambda org: FinancingApplication.objects.filter(organization_id=org).values_list(
        "pk", flat=True
    ),
    org=int,
)


def application_ids(org: Organization) -> list[int]:
    """The ids of all the organisation's deals (:func:`history` reads its events by them)."""
    return _APPLICATION_IDS.rows(org=org.pk)


def history(
    org: Organization, *, limit: int = 10, ids: list[int] | None = None
) -> list[HistoryItem]:
    """The latest events of the organisation's deals; ``ids``: its :func:`application_ids`
    when the caller has them."""
    ids = application_ids(org) if ids is None else ids
    if not ids:
        return []  # (an empty IN would still build the query before skipping it)
    records = (
        AuditRecord.objects.filter(
            object_type="receivables.financingapplication",
            object_id__in=[str(pk) for pk in ids],  # the audit keeps ids as text
            action__in=list(HISTORY_LABELS),
        )
        .order_by("-seq")
        .values_list("created_at", "action", "object_id")[:limit]
    )
    # Each row's link and its words made here, the URL reversed and the words translated
    # once for the list, not by a {% url %} and a {% blocktranslate %} per row.
    url = _path_prefix("receivables:application")
    ref = _("No.%(n)s")
    return [
        HistoryItem(
            at,
            _(HISTORY_LABELS[action]),
            int(object_id),
            url=f"{url}{int(object_id)}/",
            ref=ref % {"n": int(object_id)},
        )
        for at, action, object_id in records
    ]


def statement_rows(org: Organization, start: date, end: date) -> list[StatementRow]:
    """The 取引明細 of a period: every transfer the client received, by value date. An advance
    carries the deal's face and fees (summed over its invoices), a holdback release the
    invoice it belongs to.

    Two queries whatever the client's history: the period's payouts (the day a payout came
    in is its batch's value date, the day it was requested for when it has no batch), then
    the purchases of the period's advances. (Every sent payout of the client was read and
    the period picked in Python, and each advance read its purchases on its own.)"""
    payouts = list(
        Payout.objects.filter(organization=org, status=Payout.Status.SENT, debit_account="")
        .annotate(on=Coalesce("batch__value_date", "requested_for"))
        .filter(on__gte=start, on__lte=end)
        .order_by("on", "pk")
        .values_list(
            "on",
            "kind",
            "application_id",
            "amount",
            "purchase__invoice__invoice_number",
            "purchase__debtor__name",
        )
    )
    advances = {app for _on, kind, app, *_ in payouts if kind == Payout.Kind.ADVANCE}
    bought: dict[int, list[tuple[str, str, int, int]]] = {}
    if advances:
        for app, number, debtor, face, fees in (
            Position.objects.filter(application_id__in=advances)
            .order_by("pk")
            .values_list(
                "application_id",
                "invoice__invoice_number",
                "debtor__name",
                "face_amount",
                F("fee") + F("admin_fee"),
            )
        ):
            bought.setdefault(app, []).append((number, debtor, face, fees))
    rows = []
    for on, kind, app, amount, number, debtor in payouts:
        if kind == Payout.Kind.ADVANCE:
            positions = bought.get(app, [])
            rows.append(
                StatementRow(
                    on=on,
                    kind="advance",
                    invoice_numbers="、".join(x[0] for x in positions),
                    debtor="、".join(sorted({x[1] for x in positions})),
                    face=sum(x[2] for x in positions),
                    fees=sum(x[3] for x in positions),
                    received=amount,
                )
            )
        else:
            rows.append(
                StatementRow(
                    on=on,
                    kind="reserve",
                    invoice_numbers=number or "",
                    debtor=debtor or "",
                    face=0,
                    fees=0,
                    received=amount,
                )
            )
    return rows


def today() -> date:
    return timezone.localdate()


def kind_label(kind: str) -> str:
    return _("買取代金のお振込") if kind == "advance" else _("留保金のご返金")
