"""消込 at scale: the crowded book of the outside probe (issue 14), 10,000 … 1,000,000 open items.

.venv/bin/python benchmarks/bench_reconciliation.py                  # 10,000 and 100,000 items
.venv/bin/python benchmarks/bench_reconciliation.py --max 1000000    # … and 1,000,000
.venv/bin/python benchmarks/bench_reconciliation.py --book plain     # the older, uncrowded book
.venv/bin/python benchmarks/bench_reconciliation.py --max 1000000 --deposits-per-item 1  # 1M × 1M
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_reconciliation.py    # 10,000 items, seconds

The book (``synthetic.generate(..., crowded=True)``, seed 2026): N open items of N / 8
debtors whose names crowd together (山田商事, 山田商会, 山田商事 東京支店, ヤマダショウジ in
half-width kana or hiragana …) and 0.89 × N deposits with the quirks of real statements
(fees deducted, several invoices in one payment, partial payments, parent companies and
collection agents paying, names cut at 48 characters, lost voiced marks). Targets for
1,000,000 × ~1,000,000 on 2 cores: ≤ 60 s and ≤ 4 GB, ≥ 95 % of the deposits without a
partial/third-party quirk matched automatically at precision ≥ 0.999, at every size.

Per size two measurements:

* ``engine``: ``reconcile()`` on the lists in memory (2 processes from 100,000 deposits);
* ``command``: ``urikake reconcile`` as a subprocess on CSV files — streaming input, the
  result file written — timed from outside (Django start-up included); its peak RSS is
  the largest of its processes (the forked worker shares most pages with its parent).

The quality curve is computed on the command's output file against the generator's truth.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import SMOKE, Row, print_table, timed

from urikake.domain.reconciliation import Match, MatchStatus, reconcile
from urikake.domain.reconciliation.synthetic import SyntheticBook, evaluate, generate

TARGET_SECONDS = 60.0
TARGET_MIB = 4096.0
_ITEM_HEADER = (
    *("item_id", "debtor_id", "debtor_name", "debtor_kana"),
    *("amount", "due_date", "invoice_number"),
)
DEPOSITS_PER_ITEM = 0.89  # the probe's 890,000 deposits against 1,000,000 items


def _write_inputs(book: SyntheticBook, folder: Path) -> tuple[Path, Path, Path]:
    items = folder / "items.csv"
    with items.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(_ITEM_HEADER)
        for it in book.items:
            w.writerow(
                (
                    it.id,
                    it.debtor_id,
                    it.debtor_name,
                    it.debtor_kana,
                    it.amount,
                    it.due_date,
                    it.invoice_number,
                )
            )
    deposits = folder / "deposits.csv"
    with deposits.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["deposit_id", "value_date", "amount", "payer_kana"])
        for d in book.deposits:
            w.writerow([d.id, d.value_date, d.amount, d.payer_kana])
    links = folder / "links.csv"
    with links.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["payer_key", "debtor_id"])
        w.writerows(book.payer_links.items())
    return items, deposits, links


def _run_command(items: Path, deposits: Path, links: Path, out: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (all its processes) and peak RSS (MiB, largest process) of
    ``urikake reconcile``."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).parents[1] / "src"))
    env.setdefault("URIKAKE_VAR_DIR", tempfile.mkdtemp(prefix="bench-reconcile-"))
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    subprocess.run(
        [
            *(sys.executable, "-m", "urikake", "reconcile", "--no-progress"),
            *("--statement", str(deposits), "--open-items", str(items)),
            *("--payer-links", str(links), "--out", str(out)),
        ],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    secs = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    return secs, cpu, max(usage.ru_maxrss, before) / 1024


def _read_matches(path: Path) -> list[Match]:
    """Enough of the result file for :func:`evaluate`: id, status and items."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Match(
                deposit_id=r["deposit_id"],
                status=MatchStatus(r["status"]),
                item_ids=tuple(filter(None, r["item_ids"].split(";"))),
                allocations=(),
                difference=0,
                fee_deducted=0,
                reason=r["reason"],
                reason_ja="",
            )
            for r in csv.DictReader(fh)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max", type=int, default=100_000, help="largest book (open items)")
    parser.add_argument("--book", choices=["crowded", "plain"], default="crowded")
    parser.add_argument("--no-engine", action="store_true", help="only the command")
    parser.add_argument(
        "--deposits-per-item",
        type=float,
        default=DEPOSITS_PER_ITEM,
        help="deposits per open item in the crowded book (1.0: the target's 1M × 1M)",
    )
    options = parser.parse_args()
    crowded = options.book == "crowded"
    steps = [10_000] if SMOKE else [n for n in (10_000, 100_000, 1_000_000) if n <= options.max]
    rows: list[Row] = []
    curve: list[str] = []
    verdicts: list[str] = []
    for n in steps:
        n_deposits = int(n * options.deposits_per_item) if crowded else n
        book, gen_secs = timed(lambda: generate(n_deposits, n, seed=2026, crowded=crowded))
        debtors = len({it.debtor_id for it in book.items})
        rows.append(Row(f"generate {n:,} items ({debtors:,} debtors)", n, gen_secs, "item"))
        label = f"{n_deposits:,} × {n:,}"
        if not options.no_engine:
            _, secs = timed(
                lambda: reconcile(book.deposits, book.items, payer_links=book.payer_links)
            )
            rows.append(Row(f"engine {label}", n_deposits, secs, "deposit"))
        with tempfile.TemporaryDirectory(prefix="bench-reconcile-") as tmp:
            folder = Path(tmp)
            items, deposits, links = _write_inputs(book, folder)
            out = folder / "result.csv"
            load = os.getloadavg()[0]
            secs, cpu, peak = _run_command(items, deposits, links, out)
            rows.append(Row(f"urikake reconcile {label} (files)", n_deposits, secs, "deposit"))
            ev = evaluate(_read_matches(out), book)
        curve.append(
            f"| {label} | {debtors:,} | {secs:.1f} s | {cpu:.1f} s | {peak:,.0f} MiB | "
            f"{ev.expected_auto_rate:.1%} | {ev.precision:.5f} ({len(ev.wrong_autos)}) | "
            f"{ev.suggested_right('partial'):.1%} | {ev.suggested_right('third_party'):.1%} | "
            f"{ev.auto_rate:.1%} | {load:.1f} |"
        )
        ok = (
            secs <= TARGET_SECONDS
            and peak <= TARGET_MIB
            and ev.expected_auto_rate >= 0.95
            and ev.precision >= 0.999
        )
        verdicts.append(f"{label}: {'OK' if ok else 'OVER TARGET'}")
        print(curve[-1], flush=True)
    print_table("Reconciliation (消込), " + options.book + " book", rows)
    print(
        "\nQuality and cost by size (urikake reconcile on files; auto (no quirk): share of the "
        "deposits without a partial/third-party quirk matched automatically; partial / third "
        "party: share suggested with exactly the right invoice)"
    )
    print(
        "| deposits × items | debtors | time | CPU | peak RSS | auto (no quirk) "
        "| precision (wrong) | partial right | third party right | auto (all) | load before |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print("\n".join(curve))
    print(
        f"\ntargets ≤ {TARGET_SECONDS:.0f} s, ≤ {TARGET_MIB:,.0f} MiB, auto ≥ 95 %, precision "
        f"≥ 0.999 (on {os.cpu_count()} cores): " + "; ".join(verdicts)
    )


if __name__ == "__main__":
    main()
