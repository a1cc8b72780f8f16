"""Pairing invoices with the lines of a stored offer (issue 9 item 5)."""

from __future__ import annotations

from datetime import date

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.screening.pricing import InvoiceKey, pair_offer_lines

DUE = date(2027, 2, 4)
A = InvoiceKey(1, 1_100_000, DUE, "INV-A")
B = InvoiceKey(2, 1_100_000, DUE, "INV-B")
C = InvoiceKey(3, 500_000, DUE, "INV-C")


def _line(invoice_id: int | None, face: int, fee: int) -> dict[str, object]:
    line: dict[str, object] = {"face_amount": face, "due_date": DUE.isoformat(), "fee": fee}
    if invoice_id is not None:
        line["invoice_id"] = invoice_id
    return line


def test_lines_pair_by_id_whatever_their_order() -> None:
    paired = pair_offer_lines([A, B], [_line(2, 1_100_000, 58_300), _line(1, 1_100_000, 27_500)])
    assert (paired[1]["fee"], paired[2]["fee"]) == (27_500, 58_300)


def test_a_line_without_id_pairs_only_when_one_invoice_fits() -> None:
    paired = pair_offer_lines([A, C], [_line(None, 500_000, 1), _line(None, 1_100_000, 2)])
    assert (paired[1]["fee"], paired[3]["fee"]) == (2, 1)
    with pytest.raises(DomainError) as exc:
        pair_offer_lines([A, B], [_line(None, 1_100_000, 1), _line(None, 1_100_000, 2)])
    assert exc.value.code == "offer.ambiguous"


@pytest.mark.parametrize(
    "lines",
    [
        [_line(1, 1_100_000, 1)],  # B has no line
        [_line(1, 1_100_000, 1), _line(1, 1_100_000, 2)],  # one invoice named twice
        [_line(1, 1_100_000, 1), _line(9, 1_100_000, 2)],  # an invoice of another deal
        [_line(1, 1_100_000, 1), _line(2, 999, 2)],  # the line's face is not the invoice's
        [_line(1, 1_100_000, 1), _line(2, 1_100_000, 2), _line(None, 500_000, 3)],  # extra
    ],
)
def test_a_line_that_does_not_belong_is_refused(lines) -> None:
    with pytest.raises(DomainError) as exc:
        pair_offer_lines([A, B], lines)
    assert exc.value.code == "offer.mismatch"
