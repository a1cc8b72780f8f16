"""総合振込 file writing: 100,000 transfers, records per second, plus parsing it back.

.venv/bin/python benchmarks/bench_zengin_transfer.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_zengin_transfer.py

Two writer cases: a file of payees never seen before in this process (every name converted
and checked in full) and the same payees again (the writer's caches of checked fields: the
monthly payout file). Issue 14 asks ≥ 1,000,000 records/s of formatting work; the old target
was ≤ 2 s for 100,000. Timed: the call only, not interpreter start-up nor building the input.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

from urikake.domain import zengin_transfer
from urikake.domain.identifiers import AccountType
from urikake.domain.zengin_transfer import (
    Originator,
    Transfer,
    parse_transfer_file,
    write_transfer_file,
)

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモガギグゲゴ"
BANKS = [("0001", "001"), ("0005", "001"), ("0009", "100"), ("0010", "100")]
FORMS = ["株式会社", "有限会社", "", "カブシキガイシャ"]
TARGET_SECONDS = 2.0
TARGET_PER_SECOND = 1_000_000


def transfers(n: int, rng: random.Random) -> list[Transfer]:
    out = []
    for i in range(n):
        bank, branch = rng.choice(BANKS)
        name = rng.choice(FORMS) + "".join(rng.choices(KANA, k=rng.randint(3, 12)))
        out.append(
            Transfer(
                bank_code=bank,
                branch_code=branch,
                account_type=rng.choice(list(AccountType)),
                account_number=str(rng.randint(1, 9_999_999)),
                holder_name=name,
                amount=rng.randint(1, 1_000_000),  # 999,999 of them stay under 合計金額 N12
                customer_code=str(i) if i % 3 == 0 else None,
            )
        )
    return out


def main() -> None:
    rng = random.Random(20261123)
    originator = Originator(
        "1234567890", "株式会社ウリカケ", "0001", "001", AccountType.ORDINARY, "1234567"
    )
    rows: list[Row] = []
    worst = 0.0
    rates: list[str] = []
    for n in sizes([100_000], [2_000]):
        ts = transfers(n, rng)
        zengin_transfer._bank_fields.clear()  # a fresh process: nothing known yet
        zengin_transfer._holder_fields.clear()
        write = partial(write_transfer_file, originator, ts, transfer_date=date(2026, 12, 1))
        data, secs = timed(write)
        worst = max(worst, secs)
        rows.append(Row("write_transfer_file, new payees", n, secs, "transfer"))
        again, known_secs = timed(write)
        assert again == data
        rows.append(Row("write_transfer_file, known payees", n, known_secs, "transfer"))
        _, psecs = timed(partial(parse_transfer_file, data))
        rows.append(Row("parse_transfer_file", n, psecs, "transfer"))
        for label, s in (("new", secs), ("known", known_secs), ("parse", psecs)):
            ok = "OK" if n / s >= TARGET_PER_SECOND else "UNDER TARGET"
            rates.append(f"{label} {n / s:,.0f}/s ({ok})")
    print_table("Zengin 総合振込 file", rows)
    verdict = "OK" if worst <= TARGET_SECONDS else "OVER TARGET"
    print(f"\nwrite target ≤ {TARGET_SECONDS:.1f} s: {worst:.3f} s ({verdict})")
    print(f"records/s (target ≥ {TARGET_PER_SECOND:,}): " + "; ".join(rates))


if __name__ == "__main__":
    main()
