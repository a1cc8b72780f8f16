"""``urikake reconcile`` on a statement it streams: the result equals the in-memory engine's,
and a bad row near the end of a long statement leaves no output file."""

from __future__ import annotations

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from urikake.domain.reconciliation import reconcile
from urikake.domain.reconciliation.csvio import write_matches
from urikake.domain.reconciliation.synthetic import generate

pytestmark = pytest.mark.django_db


def _write_book(tmp_path: Path, n: int) -> tuple[Path, Path, object]:
    book = generate(n, n, seed=41)
    items = tmp_path / "items.csv"
    with items.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(
            [
                "item_id",
                "debtor_id",
                "debtor_name",
                "debtor_kana",
                "amount",
                "due_date",
                "invoice_number",
            ]
        )
        for it in book.items:
            w.writerow(
                [
                    it.id,
                    it.debtor_id,
                    it.debtor_name,
                    it.debtor_kana,
                    it.amount,
                    it.due_date,
                    it.invoice_number,
                ]
            )
    deposits = tmp_path / "deposits.csv"
    with deposits.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["deposit_id", "value_date", "amount", "payer_kana"])
        for d in book.deposits:
            w.writerow([d.id, d.value_date, d.amount, d.payer_kana])
    return items, deposits, book


def test_streamed_result_equals_in_memory(tmp_path: Path) -> None:
    items, deposits, book = _write_book(tmp_path, 25_000)  # > one chunk: two processes
    out = tmp_path / "result.csv"
    call_command(
        "reconcile",
        "--statement",
        str(deposits),
        "--open-items",
        str(items),
        "--out",
        str(out),
        "--no-progress",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    expected = io.StringIO(newline="")
    write_matches(reconcile(book.deposits, book.items, workers=1), expected)  # type: ignore[attr-defined]
    assert out.read_text(encoding="utf-8") == expected.getvalue()


def test_bad_row_at_the_end_writes_nothing(tmp_path: Path) -> None:
    items, deposits, _ = _write_book(tmp_path, 25_000)
    with deposits.open("a", encoding="utf-8", newline="") as fh:
        fh.write("P99999999,2026-11-31,1000,ｽｽﾞｷ\n")
    out = tmp_path / "result.csv"
    with pytest.raises(CommandError) as exc:
        call_command(
            "reconcile",
            "--statement",
            str(deposits),
            "--open-items",
            str(items),
            "--out",
            str(out),
            "--no-progress",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert str(deposits) in str(exc.value)
    assert "25002行目" in str(exc.value)
    assert not out.exists()
    assert list(tmp_path.glob(".result.csv*")) == []
