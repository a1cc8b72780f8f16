"""Domain core hot paths: name normalisation and matching, bank search, calendar, money.

These are the building blocks that screening and reconciliation call per statement line, so
their throughput bounds everything above them.

    .venv/bin/python benchmarks/bench_domain.py
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_domain.py
"""

from __future__ import annotations

import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

from urikake.domain.bank_calendar import add_bank_business_days, is_bank_business_day
from urikake.domain.bank_codes import search_banks, search_branches
from urikake.domain.money import Rounding, apply_rate, discount_fee_apr
from urikake.domain.name_matching import match_names, name_similarity, normalize_name
from urikake.domain.zengin_charset import to_zengin

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
DAKU = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ"
FORMS = ["カブシキガイシャ", "ユウゲンガイシャ", "", "ゴウドウガイシャ"]


def company_names(n: int, rng: random.Random) -> list[str]:
    names = []
    for _ in range(n):
        core = "".join(rng.choice(KANA + DAKU) for _ in range(rng.randint(4, 14)))
        form = rng.choice(FORMS)
        names.append(form + core if rng.random() < 0.6 else core + form)
    return names


def main() -> None:
    rng = random.Random(20261123)
    rows: list[Row] = []
    for n in sizes([100_000], [5_000]):
        names = company_names(n, rng)
        _, secs = timed(
            lambda names=names: [to_zengin(s, abbreviate_legal_form=True) for s in names]
        )
        rows.append(Row("to_zengin (with legal-form abbrev.)", n, secs, "name"))
        normalize_name.cache_clear()
        _, secs = timed(lambda names=names: [normalize_name(s) for s in names])
        rows.append(Row("normalize_name (uncached)", n, secs, "name"))
        payers = [to_zengin(s, abbreviate_legal_form=True)[:30] for s in names]
        normalize_name.cache_clear()
        _, secs = timed(
            lambda: [
                name_similarity(p, d, truncated_at=30) for p, d in zip(payers, names, strict=True)
            ]
        )
        rows.append(Row("name_similarity (pairs, uncached)", n, secs, "pair"))
    for n in sizes([2_000], [200]):
        candidates = company_names(1_000, rng)
        payers = [to_zengin(c, abbreviate_legal_form=True) for c in rng.sample(candidates, 100)]
        _, secs = timed(
            lambda: [match_names(p, candidates) for _ in range(n // 100) for p in payers]
        )
        rows.append(Row("match_names vs 1,000 debtors", n, secs, "payer"))
    for n in sizes([2_000], [200]):
        queries = ["みずほ", "ﾐｽﾞﾎ", "mitsui", "信金", "0001", "ゆうちょ", "横浜", "zzz"]
        search_banks("warm-up")
        _, secs = timed(lambda: [search_banks(queries[i % len(queries)]) for i in range(n)])
        rows.append(Row("search_banks", n, secs, "query"))
        _, secs = timed(lambda: [search_branches("0005", queries[i % 3]) for i in range(n)])
        rows.append(Row("search_branches (0005)", n, secs, "query"))
    for n in sizes([200_000], [10_000]):
        start = date(2026, 1, 1)
        days = [start + timedelta(days=i % 3650) for i in range(n)]
        _, secs = timed(lambda: [is_bank_business_day(d) for d in days])
        rows.append(Row("is_bank_business_day", n, secs, "day"))
        _, secs = timed(lambda: [add_bank_business_days(d, 5) for d in days])
        rows.append(Row("add_bank_business_days(+5)", n, secs, "day"))
        fee_rate = Decimal("0.05")
        _, secs = timed(
            lambda: [
                apply_rate(1_000_000 + i, fee_rate, rounding=Rounding.TRUNCATE) for i in range(n)
            ]
        )
        rows.append(Row("apply_rate (TRUNCATE)", n, secs, "calc"))
        _, secs = timed(
            lambda: [discount_fee_apr(1_000_000, 50_000 + i % 1000, 30) for i in range(n)]
        )
        rows.append(Row("discount_fee_apr", n, secs, "calc"))
    print_table("Domain core", rows)


if __name__ == "__main__":
    main()
