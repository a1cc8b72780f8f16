"""消込: 1,000,000 deposits against 1,000,000 open items (target ≤ 60 s, ≤ 4 GB on 2 cores).

.venv/bin/python benchmarks/bench_reconciliation.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_reconciliation.py      # 10,000 × 10,000

The data is the synthetic generator's (urikake.domain.reconciliation.synthetic, seed 2026),
so precision (correct automatic matches / all automatic matches) and the shares per status
are measured against its ground truth. Time covers everything ``reconcile`` does: building
the indexes, judging every deposit (2 processes from 100,000 deposits) and building the
results. Peak memory is the resident set of this process (generator data included) and of
the forked worker.
"""

from __future__ import annotations

import os
import resource
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, peak_rss_mib, print_table, sizes, timed

from urikake.domain.reconciliation import reconcile
from urikake.domain.reconciliation.synthetic import evaluate, generate

TARGET_SECONDS = 60.0
TARGET_MIB = 4096.0


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the worker)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _children_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    rows: list[Row] = []
    verdicts: list[str] = []
    curve: list[str] = []
    for n in sizes([10_000, 100_000, 1_000_000], [10_000]):
        book, gen_secs = timed(partial(generate, n, n, seed=2026))
        rows.append(Row("generate (not part of the target)", n, gen_secs, "deposit"))
        before = peak_rss_mib()
        cpu_before = _cpu_seconds()
        matches, secs = timed(
            partial(reconcile, book.deposits, book.items, payer_links=book.payer_links)
        )
        rows.append(Row(f"reconcile {n:,} × {n:,}", n, secs, "deposit"))
        cpu = _cpu_seconds() - cpu_before
        ev = evaluate(matches, book)
        curve.append(
            f"| {n:,} × {n:,} | {secs:.1f} s | {ev.expected_auto_rate:.1%} | "
            f"{ev.precision:.6f} | {ev.auto_rate:.1%} | {ev.suggested_share:.1%} |"
        )
        print(
            f"\n{n:,} deposits × {n:,} open items: auto {ev.auto_rate:.1%} "
            f"(of the deposits without a quirk: {ev.expected_auto_rate:.1%}) · "
            f"precision {ev.precision:.6f} ({len(ev.wrong_autos)} wrong autos) · "
            f"suggested {ev.suggested_share:.1%} · unmatched {ev.unmatched_share:.1%}"
        )
        print(
            f"peak RSS: this process {peak_rss_mib():,.0f} MiB "
            f"(after generating the data: {before:,.0f} MiB), "
            f"worker {_children_peak_mib():,.0f} MiB"
        )
        print(
            f"CPU time: {cpu:.1f} s over {secs:.1f} s wall "
            f"(load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        ok = secs <= TARGET_SECONDS and peak_rss_mib() + _children_peak_mib() <= TARGET_MIB
        verdicts.append(f"{n:,}: {secs:.1f} s ({'OK' if ok else 'OVER TARGET'})")
    print_table("Reconciliation (消込)", rows)
    print(
        "\nQuality by size (target: ≥ 95% of the deposits without a quirk matched "
        "automatically, precision ≥ 0.999)"
    )
    print("| size | time | auto (no quirk) | precision | auto (all) | suggested |")
    print("|---|---|---|---|---|---|")
    print("\n".join(curve))
    print(f"\ntarget ≤ {TARGET_SECONDS:.0f} s and ≤ {TARGET_MIB:,.0f} MiB: " + "; ".join(verdicts))


if __name__ == "__main__":
    main()
