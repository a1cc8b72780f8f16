"""Offer lines carry the id of the invoice they price (issue 9 item 5).

Offers stored before this change have lines without ``invoice_id``. Screening built them in
the same order as its per-invoice explanation (``screening_result["invoices"]``, which names
each invoice and holds that invoice's own offer), so the id is copied from there when every
line agrees with its explanation's invoice on face amount and due date. Anything else is left
as it was: funding and the contract documents then pair such a line only when exactly one
invoice fits it, and refuse otherwise (``pair_offer_lines``) — never a silent mismatch.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _ids_for(lines: list[dict[str, Any]], result: dict[str, Any]) -> list[int] | None:
    explained = [e for e in result.get("invoices", []) if e.get("offer")]
    if len(explained) != len(lines):
        return None
    ids = []
    for line, item in zip(lines, explained, strict=True):
        own = item["offer"]
        if (own.get("face_amount"), own.get("due_date"), own.get("fee")) != (
            line.get("face_amount"),
            line.get("due_date"),
            line.get("fee"),
        ) or not isinstance(item.get("invoice"), int):
            return None
        ids.append(item["invoice"])
    return ids if len(set(ids)) == len(ids) else None


def backfill_offer_invoice_ids(apps: Any, schema_editor: Any) -> None:
    application_model = apps.get_model("receivables", "FinancingApplication")
    for app in application_model.objects.exclude(offer={}).iterator():
        lines = list((app.offer or {}).get("invoices", []))
        if not lines or all("invoice_id" in line for line in lines):
            continue
        ids = _ids_for(lines, app.screening_result or {})
        if ids is None:
            continue
        invoice_ids = set(app.invoices.values_list("pk", flat=True))
        if not set(ids) <= invoice_ids:
            continue
        app.offer = {
            **app.offer,
            "invoices": [
                {**line, "invoice_id": invoice_id}
                for line, invoice_id in zip(lines, ids, strict=True)
            ],
        }
        app.save(update_fields=["offer"])


class Migration(migrations.Migration):
    dependencies = [("receivables", "0005_invoicedraft")]

    operations = [
        migrations.RunPython(backfill_offer_invoice_ids, migrations.RunPython.noop, elidable=True)
    ]
