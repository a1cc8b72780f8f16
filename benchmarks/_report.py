"""Shared helpers for the benchmark scripts: timing, peak memory and a plain table."""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

SMOKE = os.environ.get("BENCH_SMOKE") == "1"


def sizes(full: Sequence[int], smoke: Sequence[int]) -> Sequence[int]:
    """The sizes to run: small ones under BENCH_SMOKE=1 (CI), the real ones otherwise."""
    return smoke if SMOKE else full


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


@dataclass
class Row:
    name: str
    size: int
    seconds: float
    unit: str = "ops"

    @property
    def throughput(self) -> float:
        return self.size / self.seconds if self.seconds > 0 else float("inf")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def print_table(title: str, rows: Sequence[Row]) -> None:
    print(f"\n{title}")
    header = f"{'case':<38} {'size':>10} {'time (s)':>10} {'throughput':>16} {'peak RSS':>10}"
    print(header)
    print("-" * len(header))
    mem = f"{peak_rss_mib():.0f} MiB"
    for r in rows:
        print(
            f"{r.name:<38} {r.size:>10,} {r.seconds:>10.3f} "
            f"{r.throughput:>12,.0f} {r.unit}/s {mem:>8}"
        )
