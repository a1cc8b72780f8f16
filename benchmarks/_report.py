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


@dataclass
class RateRow:
    """One case of a records-per-second benchmark: wall and process CPU time."""

    name: str
    size: int
    wall: float
    cpu: float

    def rate(self, seconds: float) -> float:
        return self.size / seconds if seconds > 0 else float("inf")


def timed_cpu(fn: Callable[[], T]) -> tuple[T, float, float]:
    """``fn()``, its wall time and its process CPU time (CPU time is the steadier figure on
    a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def print_rates(title: str, rows: Sequence[RateRow], target: float) -> None:
    """A table of records/s by wall and by CPU time, the verdict against ``target`` (by
    CPU time) and the load average it was measured at."""
    print(f"\n{title}")
    header = (
        f"{'case':<44} {'size':>10} {'wall s':>8} {'CPU s':>8} {'records/s (wall)':>17}"
        f" {'records/s (CPU)':>16}  target"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        ok = "OK" if r.rate(r.cpu) >= target else "under"
        print(
            f"{r.name:<44} {r.size:>10,} {r.wall:>8.3f} {r.cpu:>8.3f} {r.rate(r.wall):>17,.0f}"
            f" {r.rate(r.cpu):>16,.0f}  {ok}"
        )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"target ≥ {target:,.0f} records/s of CPU time; load average {load}")


def machine_speed() -> float:
    """CPU milliseconds of a fixed piece of pure Python (dicts, strings, sorting, calls: the
    kind of work a web request does), the best of five: a reading of the machine's speed to
    print beside CPU figures. The machines of different sessions differed up to 3.6× in
    per-request CPU for the same code; comparing figures across sessions needs this (lower
    is faster)."""

    def work() -> int:
        rows = [{"id": i, "name": f"取引先{i:05d}", "amount": i * 1_000 % 997} for i in range(4000)]
        rows.sort(key=lambda r: (r["amount"], r["name"]))
        text = "".join(f"<td>{r['name']}</td><td>{r['amount']:,}</td>" for r in rows)
        return len(text) + sum(len(str(r)) for r in rows[:1000])

    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best * 1000
