"""label_rows gives each row exactly what ``get_<field>_display()`` gives (no database: the
rows are unsaved model instances)."""

from __future__ import annotations

import pytest
from django.utils.translation import override

from urikake.receivables.choice_labels import label_rows
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.treasury.models import Deposit


@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_row_gets_its_choice_label_as_get_display_gives_it(language: str) -> None:
    cases = [
        ([Invoice(status=value) for value in [*Invoice.Status.values, "unknown"]], "status"),
        ([Deposit(status=value) for value in Deposit.Status.values], "status"),
        (
            [FinancingApplication(product=value) for value in FinancingApplication.Product.values],
            "product",
        ),
    ]
    with override(language):
        for rows, field in cases:
            labelled = label_rows(iter(rows), field, "label")
            assert [row.label for row in labelled] == [
                getattr(row, f"get_{field}_display")() for row in rows
            ]
            assert all(isinstance(row.label, str) for row in labelled)
    assert label_rows([], "status", "label") == []


def test_labels_follow_the_language() -> None:
    with override("en"):
        (row,) = label_rows([Invoice(status=Invoice.Status.REGISTERED)], "status", "label")
    with override("ja"):
        (same,) = label_rows([Invoice(status=Invoice.Status.REGISTERED)], "status", "label")
    assert row.label != same.label
