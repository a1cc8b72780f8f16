"""What already finances an invoice (買取・担保・保証), across every product.

An invoice backs one financing at a time. Selling us an invoice that is pledged to us for a
loan, pledging one we bought, or guaranteeing one either way would be double financing: the
platform would count the same receivable twice, and the client could draw twice on it.

Each product registers a *source* when its app is ready (receivables: purchase applications
in progress and invoices bought; lending: pledged collateral; guarantees: guarantees applied
for or in force): a key, a label the client reads, and a function returning the ids of the
invoices the product holds now, as a lazy ``values_list`` that the database runs as a
subquery. Readers ask here and never import the products: receivables sits below all of them
(pyproject's layers), as with :mod:`urikake.receivables.exposure`.

A product's own rule may answer first with its own wording (lending: "already pledged");
the check here is the platform-wide one behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.functional import Promise

from urikake.domain.errors import DomainError
from urikake.receivables.models import Invoice

HeldInvoices = Callable[[], "QuerySet[Any]"]


@dataclass(frozen=True)
class EncumbranceSource:
    key: str
    #: What the client reads: 「請求書 X は{label}のため…」.
    label: str | Promise
    held: HeldInvoices


_SOURCES: dict[str, EncumbranceSource] = {}


def register_encumbrance_source(key: str, label: str | Promise, held: HeldInvoices) -> None:
    """Add (or replace, on a reload) the source ``key``."""
    _SOURCES[key] = EncumbranceSource(key, label, held)


def encumbrance_sources() -> tuple[str, ...]:
    return tuple(_SOURCES)


def held_now() -> tuple[QuerySet[Any], ...]:
    """Each source's lazy subquery of the invoices it holds now. A page that asks both
    :func:`unencumbered` and :func:`encumbered_count` passes the same ones to each: building
    them (three products' filters) cost as much as the rest of the purchase form's checks.
    Both embed them as subqueries (Django clones a queryset it embeds), so nothing is read
    from the database here and the answer is as of each query that uses them."""
    return tuple(source.held() for source in _SOURCES.values())


def unencumbered(
    invoices: QuerySet[Invoice], *, held: tuple[QuerySet[Any], ...] | None = None
) -> QuerySet[Invoice]:
    """``invoices`` without those any product holds now (one query, a subquery per source;
    ``held``: :func:`held_now`, if the caller has built it)."""
    for subquery in held_now() if held is None else held:
        invoices = invoices.exclude(pk__in=subquery)
    return invoices


def encumbered_count(
    invoices: QuerySet[Invoice], *, held: tuple[QuerySet[Any], ...] | None = None
) -> int:
    """How many of ``invoices`` some product holds (shown beside a list that leaves them out;
    one query; ``held`` as for :func:`unencumbered`)."""
    condition = Q(pk__in=[])
    for subquery in held_now() if held is None else held:
        condition |= Q(pk__in=subquery)
    return invoices.filter(condition).count()


def holder_of(
    invoice_ids: Iterable[int], *, besides: str | None = None
) -> dict[int, EncumbranceSource]:
    """For each of ``invoice_ids`` that a product holds: the (first) source holding it;
    ``besides`` leaves out one source (the product asking, about its own deal)."""
    ids = list(invoice_ids)
    found: dict[int, EncumbranceSource] = {}
    for source in _SOURCES.values():
        if source.key == besides:
            continue
        rows = Invoice.objects.filter(pk__in=ids).filter(pk__in=source.held())
        for pk in rows.values_list("pk", flat=True):
            found.setdefault(pk, source)
    return found


def invoices_in_purchase() -> QuerySet[Any]:
    """Factoring's own source: invoices in a purchase application under way (a draft holds
    nothing yet) or sold to us (譲渡済み, 回収済み)."""
    from urikake.receivables.screening import USING_LINE

    return (
        Invoice.objects.filter(
            Q(applications__status__in=USING_LINE)
            | Q(status__in=[Invoice.Status.ASSIGNED, Invoice.Status.SETTLED])
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def ensure_unencumbered(
    invoices: Iterable[Invoice], *, besides: str | None = None, field: str = "invoices"
) -> None:
    """Refuse (``invoice.encumbered``) if a product already holds one of ``invoices``
    (``besides``: a source not to ask, e.g. factoring about the deal it is funding).

    Inside the caller's transaction the invoices' rows are locked first, so two products
    taking the same invoice at the same moment are decided one after the other (PostgreSQL;
    SQLite writes one at a time anyway): the second sees the first's row and is refused.
    """
    chosen = {inv.pk: inv for inv in invoices}
    if not chosen:
        return
    if transaction.get_connection().in_atomic_block:
        list(Invoice.objects.select_for_update().filter(pk__in=chosen).values_list("pk"))
    held = holder_of(chosen, besides=besides)
    if not held:
        return
    pk, source = min(held.items())
    with translation.override("ja"):
        label = str(source.label)
    with translation.override("en"):
        label_en = str(source.label)
    raise DomainError(
        "invoice.encumbered",
        f"請求書{chosen[pk].invoice_number}は{label}のため、ここでは使えません。"
        "1枚の請求書で二重に資金化することはできません。",
        field=field,
        params={
            "invoice": pk,
            "number": chosen[pk].invoice_number,
            "held_by": source.key,
            "held_by_label": label_en,
        },
    )
