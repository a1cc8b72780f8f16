"""Fresh CSVs the scoring code has never seen: mixed columns, missing values, a known signal."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

REGIONS = {"北海道": 0.8, "関東": -0.4, "関西": 0.0, "九州": 0.5, "東北": 0.3}


def write_history(path: Path, rows: int, seed: int, *, noise: bool = False) -> Path:
    """Columns: risk_index (signal, increasing), tenure (U-shaped), region (text, signal),
    balance (numeric, 10 % missing), memo (free text, one per row), outcome (0/1)."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(0, 1, rows)
    tenure = rng.uniform(0, 10, rows)
    region = rng.choice(list(REGIONS), rows)
    balance = rng.lognormal(12, 1, rows)
    logit = -1.0 + 1.6 * risk + 0.08 * (tenure - 5) ** 2 - 1.0
    logit += np.array([REGIONS[r] for r in region])
    p = 1 / (1 + np.exp(-logit))
    y = (rng.random(rows) < (0.3 if noise else p)).astype(int)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["risk_index", "tenure", "region", "balance", "memo", "outcome"])
        for i in range(rows):
            bal = "" if rng.random() < 0.1 else f"{balance[i]:.0f}"
            reg = "" if rng.random() < 0.05 else region[i]
            w.writerow([f"{risk[i]:.4f}", f"{tenure[i]:.3f}", reg, bal, f"メモ{i}-{seed}", y[i]])
    return path


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
