"""Scoring: single-row predict latency (what screening calls in-process), batch throughput
and training time on the synthetic history.

    .venv/bin/python benchmarks/bench_scoring.py
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_scoring.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import SMOKE, Row, print_table, sizes, timed

from urikake.scoring import synthetic
from urikake.scoring.features import read_csv
from urikake.scoring.model import load_baseline, predict_one, train


def main() -> None:
    rows: list[Row] = []
    model, load_s = timed(load_baseline)
    rows.append(Row("load baseline (cold)", 1, load_s, "loads"))

    samples = synthetic.generate(sizes([2000], [200])[0], seed=42)
    for s in samples[:20]:  # warm-up
        predict_one(s)
    latencies = []
    for s in samples:
        start = time.perf_counter()
        predict_one(s)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    median = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    rows.append(Row("predict_one + reasons (median)", 1, median, "rows"))
    rows.append(Row("predict_one + reasons (p95)", 1, p95, "rows"))

    for n in sizes([1_000, 20_000], [500]):
        batch = synthetic.generate(n, seed=43)
        _, secs = timed(lambda: model.score_rows(batch))
        rows.append(Row("batch score_rows + reasons", n, secs, "rows"))
        x = model.schema.encode_rows(batch)
        _, secs = timed(lambda: model.probabilities(x))
        rows.append(Row("batch probabilities only", n, secs, "rows"))

    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes([20_000], [2_000]):
            path = Path(tmp) / "history.csv"
            synthetic.write_csv(path, synthetic.generate(n, seed=44))
            table = read_csv(path)
            result, secs = timed(
                lambda: train(table, synthetic.TARGET, monotonic=synthetic.BASELINE_MONOTONIC)
            )
            rows.append(Row(f"train (AUC {result.metrics.auc:.3f})", n, secs, "rows"))

    print_table("Scoring (baseline model trained on SYNTHETIC data)", rows)
    print(
        f"\nsingle-row latency: median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"
        f" over {len(latencies):,} calls{' (smoke)' if SMOKE else ''}"
    )


if __name__ == "__main__":
    main()
