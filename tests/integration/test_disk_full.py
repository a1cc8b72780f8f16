"""Fault test: the disk fills up while a file is written → the old file or none, never a
truncated one, and a clear error (issue 14, item 4).

A real full disk: a 64 KiB tmpfs mounted for the test (needs root, as on the development and
CI machines; elsewhere the test is skipped and says why).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.integration.test_zengin_command import HEADER, ORIGINATOR


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_zengin_file_on_a_full_disk_leaves_the_old_file(tiny_disk: Path, tmp_path: Path) -> None:
    payments = tmp_path / "payments.csv"
    rows = "".join(f"0001,001,1,{n:07d},ヤマダ　タロウ,{1000 + n},\n" for n in range(1, 1001))
    payments.write_text(HEADER + rows, encoding="utf-8")  # ~120 KB of records: over 64 KiB
    out = tiny_disk / "transfer.txt"
    out.write_bytes(b"the file of yesterday\r\n")
    with pytest.raises(CommandError, match="書き込めません"):
        call_command(
            "zengin", "transfer", str(payments), "--out", str(out), "--date", "2026-12-01",
            *ORIGINATOR, stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    assert out.read_bytes() == b"the file of yesterday\r\n"
    assert [p.name for p in tiny_disk.iterdir()] == ["transfer.txt"]  # no temporary left


def test_reconcile_result_on_a_full_disk_leaves_nothing_half_written(
    tiny_disk: Path, tmp_path: Path
) -> None:
    from urikake.domain.reconciliation.synthetic import generate

    book = generate(2_000, 2_000, seed=7)
    items = tmp_path / "items.csv"
    deposits = tmp_path / "deposits.csv"
    items.write_text(
        "item_id,debtor_id,debtor_name,debtor_kana,amount,due_date,invoice_number\n"
        + "".join(
            f"{i.id},{i.debtor_id},{i.debtor_name},{i.debtor_kana},{i.amount},"
            f"{i.due_date.isoformat()},{i.invoice_number}\n"
            for i in book.items
        ),
        encoding="utf-8",
    )
    deposits.write_text(
        "deposit_id,value_date,amount,payer_kana\n"
        + "".join(
            f"{d.id},{d.value_date.isoformat()},{d.amount},{d.payer_kana}\n" for d in book.deposits
        ),
        encoding="utf-8",
    )
    out = tiny_disk / "result.csv"
    with pytest.raises(CommandError, match="書き込めません"):
        call_command(
            "reconcile", "--statement", str(deposits), "--open-items", str(items),
            "--out", str(out), "--no-progress", stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    assert list(tiny_disk.iterdir()) == []  # neither a truncated result nor a temporary
