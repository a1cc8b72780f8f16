"""``urikake securitize POOL.csv --senior 0.8 …`` — analyse a pool file (docs/securitization.md).

Reads ``receivable_id,debtor_id,amount,pd,lgd,months``, runs the copula Monte Carlo (or the
large-pool analytic result) and prints the pool's expected loss, loss quantiles and the
tranches — as JSON with ``--json``. Bad input stops before anything is computed or printed,
with the line at fault. A progress bar goes to stderr when it is a terminal.
"""

from __future__ import annotations

import json
import shutil
import sys
from argparse import ArgumentParser
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from urikake.domain.errors import DomainError
from urikake.domain.securitization.montecarlo import shard_sizes
from urikake.domain.securitization.pool import cells_of, parse_pool_csv
from urikake.domain.securitization.report import analyse, as_json
from urikake.securitization.distributed import dask_mapper


class Command(BaseCommand):
    help = (
        "証券化: プールの損失分布とトランシェ "
        "(POOL.csv: receivable_id,debtor_id,amount,pd,lgd,months)"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("pool", type=Path, help="POOL.csv")
        parser.add_argument("--senior", type=float, required=True, help="senior share, e.g. 0.8")
        parser.add_argument("--mezzanine", type=float, default=0.0, help="mezzanine share")
        parser.add_argument("--scenarios", type=int, default=10_000)
        parser.add_argument("--correlation", type=float, default=0.15, help="asset correlation ρ")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--method", choices=["mc", "analytic"], default="mc")
        parser.add_argument("--dask", metavar="ADDRESS", help="Dask scheduler, e.g. tcp://h:8786")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["pool"]
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: 読み込めません（{exc}）") from exc
        try:
            pool = parse_pool_csv(text)
            cells = cells_of(pool)
            doc = as_json(self._run(pool, cells, options))
        except DomainError as exc:
            raise CommandError(f"{path}: {exc.message}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            self._table(doc)

    def _run(self, pool: Any, cells: Any, options: dict[str, Any]) -> Any:
        kwargs = {
            "senior": options["senior"],
            "mezzanine": options["mezzanine"],
            "scenarios": options["scenarios"],
            "correlation": options["correlation"],
            "seed": options["seed"],
            "method": options["method"],
            "cells": cells,
        }
        mc = options["method"] == "mc"
        bar = self._progress(len(shard_sizes(options["scenarios"]))) if mc else None
        tick = bar.update if bar is not None else None
        try:
            if mc and options["dask"]:
                try:
                    with dask_mapper(options["dask"], cells, progress=tick) as (mapper, ref):
                        return analyse(pool, mapper=mapper, cells_ref=ref, **kwargs)
                except (OSError, TimeoutError) as exc:
                    raise CommandError(
                        f"Dask のスケジューラ {options['dask']} に接続できません（{exc}）"
                    ) from exc
            mapper = _ticking(tick) if tick is not None else map
            return analyse(pool, mapper=mapper, **kwargs)
        finally:
            if bar is not None:
                bar.close()

    def _progress(self, total: int) -> Any:
        if not sys.stderr.isatty():
            return None
        from tqdm import tqdm  # type: ignore[import-untyped]

        # A terminal that reports a 0 × 0 size (a bare pty) would get an empty bar.
        size = shutil.get_terminal_size((80, 20))
        return tqdm(
            total=total,
            unit="shard",
            desc="scenarios",
            file=sys.stderr,
            ncols=size.columns,
            nrows=size.lines,
        )

    def _table(self, doc: dict[str, Any]) -> None:
        pool = doc["pool"]
        self.stdout.write(
            f"pool: {pool['receivables']:,} receivables, ¥{pool['balance']:,}; "
            f"EL {pool['expected_loss']:.4%}; "
            + ", ".join(f"q{q} {v:.4%}" for q, v in pool["loss_quantiles"].items())
        )
        self.stdout.write(f"{'tranche':<14}{'attach':>8}{'detach':>8}{'EL':>12}{'PD':>12}")
        for t in doc["tranches"]:
            self.stdout.write(
                f"{t['name']:<14}{t['attachment']:>8.3f}{t['detachment']:>8.3f}"
                f"{t['expected_loss']:>12.6f}{t['pd']:>12.6f}"
            )


def _ticking(tick: Callable[[int], Any]) -> Callable[..., Iterable[Any]]:
    def mapper(fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
        out = []
        for result in map(fn, *iterables):
            out.append(result)
            tick(1)
        return out

    return mapper
