"""Screening latency: one application = 12 months of statements (~3,000 lines) + 10 invoices.

Measures, in process, the latency of :func:`urikake.domain.screening.screen` per invoice
(median and p95; with the name-normalisation cache cold — a new applicant's payers — and
warm), and the throughput of a batch on a ``multiprocessing.Pool`` of 2 (the development
machine has 2 cores). Targets: ≤ 50 ms median, ≥ 200 decisions/s.

    .venv/bin/python benchmarks/bench_screening.py
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_screening.py
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import SMOKE, Row, print_table, sizes, timed

from urikake.domain.bank_calendar import adjust_to_business_day
from urikake.domain.invoices import InvoiceData
from urikake.domain.name_matching import normalize_name
from urikake.domain.screening import (
    ApplicantProfile,
    DebtorProfile,
    PlatformContext,
    PriorInvoice,
    Product,
    ScreeningInput,
    screen,
)
from urikake.domain.screening.reality import clear_index_cache
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_charset import to_zengin

KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
DAKU = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ"
WORDS = [
    "ショウジ",
    "コウギョウ",
    "ケンセツ",
    "デンキ",
    "セイサクショ",
    "サンギョウ",
    "ブッサン",
    "システム",
]
FORMS = ["カブシキガイシャ", "ユウゲンガイシャ", "ゴウドウガイシャ", ""]
NOW = datetime(2026, 11, 20, 10, 0)
TODAY = NOW.date()
N_LINES = 3_000
N_INVOICES = 10


def kana_name(rng: random.Random) -> str:
    core = "".join(rng.choice(KANA + DAKU) for _ in range(rng.randint(2, 6))) + rng.choice(WORDS)
    if rng.random() < 0.15:  # long names that fill the 48-byte field
        core += "トウキョウホンシャエイギョウブダイイチエイギョウカ"
    form = rng.choice(FORMS)
    return form + core if rng.random() < 0.6 else core + form


def payer_field(name: str) -> str:
    """As a bank prints it: half-width, legal form abbreviated (ｶ) / (ｶ), cut at 48."""
    return to_zengin(name, abbreviate_legal_form=True)[:48]


def application(seed: int) -> list[ScreeningInput]:
    """One applicant's statements and N_INVOICES invoices to 10 of its debtors."""
    rng = random.Random(seed)
    payers = [kana_name(rng) for _ in range(150)]
    suppliers = [kana_name(rng) for _ in range(40)]
    debtors = payers[:N_INVOICES]
    lines: list[StatementLine] = []
    start = TODAY - timedelta(days=364)
    # Debtors pay monthly on a fixed day; the others at random.
    for i, d in enumerate(debtors):
        day = 10 + 2 * i
        for k in range(12):
            pay = adjust_to_business_day(
                date(
                    (start + timedelta(days=31 * k)).year,
                    (start + timedelta(days=31 * k)).month,
                    min(day, 28),
                )
            )
            if start < pay <= TODAY:
                lines.append(
                    StatementLine(
                        pay,
                        Direction.DEPOSIT,
                        rng.randint(200, 900) * 1_100,
                        payer_field(d),
                        "振込",
                        f"D{i}-{k}",
                    )
                )
    n = 0
    while len(lines) < N_LINES:
        n += 1
        when = start + timedelta(days=rng.randint(1, 364))
        if rng.random() < 0.6:
            lines.append(
                StatementLine(
                    when,
                    Direction.DEPOSIT,
                    rng.randint(10, 2_000) * 550,
                    payer_field(rng.choice(payers[N_INVOICES:])),
                    "振込",
                    f"R{n}",
                )
            )
        else:
            lines.append(
                StatementLine(
                    when,
                    Direction.WITHDRAWAL,
                    rng.randint(10, 2_000) * 330,
                    payer_field(rng.choice(suppliers)),
                    "振込",
                    f"W{n}",
                )
            )
    lines.sort(key=lambda ln: ln.value_date)
    statements = tuple(
        Statement(
            SourceFormat.ZENGIN_STATEMENT,
            "0001",
            "001",
            1,
            "1234567",
            "ｶ)ﾍﾞﾝﾁ",
            None,
            None,
            tuple(lines[q::4]),
        )
        for q in range(4)  # four quarterly files
    )
    applicant = ApplicantProfile(
        ("カブシキガイシャベンチマーク",), "7010001008844", date(2012, 4, 1), 5
    )
    inputs = []
    for i, d in enumerate(debtors):
        inv = InvoiceData(
            issuer_name="株式会社ベンチマーク",
            debtor_name=d,
            invoice_number=f"INV-2026-{1000 + i}",
            issue_date=TODAY - timedelta(days=10),
            due_date=TODAY + timedelta(days=30 + 5 * i),
            total_amount=rng.randint(200, 900) * 1_100 + 7,
            issuer_registration_number="T7010001008844",
        )
        history = tuple(
            PriorInvoice(
                f"INV-2026-{900 + i * 10 + k}",
                TODAY - timedelta(days=60 + 30 * k),
                TODAY - timedelta(days=20 + 30 * k),
                330_000,
            )
            for k in range(3)
        )
        inputs.append(
            ScreeningInput(
                applicant=applicant,
                debtor=DebtorProfile((d,)),
                invoice=inv,
                statements=statements,
                product=Product.TWO_PARTY if i % 2 else Product.THREE_PARTY,
                now=NOW,
                platform=PlatformContext(frozenset({f"{k:064x}" for k in range(1000)})),
                history=history,
                previous_numbers=tuple(p.invoice_number for p in history),
            )
        )
    return inputs


# Set in the parent before the pool forks, so the workers inherit the applications.
_WORKER_APPS: list[list[ScreeningInput]] = []


def _screen_one(task: int) -> str:
    """One invoice of an application whose statements this process has already indexed."""
    apps = _WORKER_APPS
    inputs = apps[task % len(apps)]
    return screen(inputs[(task // len(apps)) % len(inputs)]).outcome.value


def _screen_application_cold(task: int) -> int:
    """All invoices of an application never seen before: statements and payer names cold."""
    normalize_name.cache_clear()
    clear_index_cache()
    inputs = _WORKER_APPS[task % len(_WORKER_APPS)]
    for inp in inputs:
        screen(inp)
    return len(inputs)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    rows: list[Row] = []
    apps_n = 2 if SMOKE else 8
    apps, secs = timed(lambda: [application(seed) for seed in range(apps_n)])
    lines = sum(len(s.lines) for s in apps[0][0].statements)
    print(
        f"{apps_n} applications × {N_INVOICES} invoices, {lines:,} statement lines each "
        f"(built in {secs:.2f}s)"
    )

    outcomes: dict[str, int] = {}
    cold: list[float] = []
    warm: list[float] = []
    for rep in range(sizes([5], [1])[0]):
        for inputs in apps:
            normalize_name.cache_clear()  # a new applicant: its payer names are unseen
            clear_index_cache()  # ... and its statements not indexed yet
            for k, inp in enumerate(inputs):
                t0 = time.perf_counter()
                result = screen(inp)
                elapsed = time.perf_counter() - t0
                (cold if k == 0 else warm).append(elapsed)
                if rep == 0:
                    outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
    print(f"outcomes of the first pass: {outcomes}")
    everything = cold + warm
    print(
        "latency per invoice: "
        f"median {statistics.median(everything) * 1e3:.1f} ms, "
        f"p95 {_percentile(everything, 0.95) * 1e3:.1f} ms "
        f"(first invoice of an application, cold name cache: median "
        f"{statistics.median(cold) * 1e3:.1f} ms, p95 {_percentile(cold, 0.95) * 1e3:.1f} ms; "
        f"later invoices: median {statistics.median(warm) * 1e3:.1f} ms)"
    )
    rows.append(
        Row("screen() in process (sequential)", len(everything), sum(everything), "decision")
    )

    _WORKER_APPS[:] = apps
    n_tasks = sizes([4_000], [200])[0]
    n_apps = sizes([200], [10])[0]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_screen_one, range(200), chunksize=10)  # both workers up and indexed
        _, secs = timed(lambda: pool.map(_screen_one, range(n_tasks), chunksize=50))
        rows.append(Row("batch, Pool(2), statements indexed", n_tasks, secs, "decision"))
        done, secs = timed(
            lambda: sum(pool.map(_screen_application_cold, range(n_apps), chunksize=5))
        )
        rows.append(Row("batch, Pool(2), every application cold", done, secs, "decision"))
    print_table("Screening (3,000 lines, 10 invoices per application)", rows)


if __name__ == "__main__":
    main()
