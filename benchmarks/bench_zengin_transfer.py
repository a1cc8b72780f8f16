"""総合振込 file writing: 100,000 transfers (target ≤ 2 s), plus parsing it back.

.venv/bin/python benchmarks/bench_zengin_transfer.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_zengin_transfer.py
"""

from __future__ import annotations

import random
import sys
from datetime import date
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

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
                amount=rng.randint(1, 10_000_000),
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
    for n in sizes([100_000], [2_000]):
        ts = transfers(n, rng)
        data, secs = timed(
            partial(write_transfer_file, originator, ts, transfer_date=date(2026, 12, 1))
        )
        worst = max(worst, secs)
        rows.append(Row("write_transfer_file", n, secs, "transfer"))
        _, psecs = timed(partial(parse_transfer_file, data))
        rows.append(Row("parse_transfer_file", n, psecs, "transfer"))
    print_table("Zengin 総合振込 file", rows)
    verdict = "OK" if worst <= TARGET_SECONDS else "OVER TARGET"
    print(f"\nwrite target ≤ {TARGET_SECONDS:.1f} s: {worst:.3f} s ({verdict})")


if __name__ == "__main__":
    main()
