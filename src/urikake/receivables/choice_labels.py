"""The label of a choice field for each row of a list, its choices translated once.

``row.get_status_display()`` builds a dict of the field's choices for every row, hashing each
lazy label — a translation lookup per choice per row: on a list of 100 invoices that was most
of the page's translation work. :func:`label_rows` gives each row the same text as an
attribute, the choices translated once per list.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)


def label_rows(rows: Iterable[M], field: str, attribute: str) -> list[M]:
    """``rows`` as a list, each with ``attribute`` set to ``row.get_<field>_display()``
    (a value outside the choices shows as itself, as there)."""
    rows = list(rows)
    if not rows:
        return rows
    choices = rows[0]._meta.get_field(field).flatchoices  # type: ignore[union-attr]
    labels: dict[Any, str] = {value: str(label) for value, label in choices}
    for row in rows:
        value = getattr(row, field)
        setattr(row, attribute, labels.get(value, value))
    return rows
