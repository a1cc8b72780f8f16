"""The pool the loss model works on: per-receivable amount, PD, LGD and month of payment.

A :class:`PoolData` holds one row per receivable as NumPy arrays (yen as ``int64``). PD and
LGD are *probabilities*, not money rates, so they are floats here; they come from the
screening grades or from an input file (:func:`parse_pool_csv`).

The Monte Carlo groups receivables into **cells** (:func:`cells_of`): receivables with the
same PD grade and the same payment month. Within a cell every receivable has the same
conditional default probability given the systematic factor, which is what lets the
simulation draw exact default *counts* per cell instead of one normal per receivable.
When a pool has more distinct PDs than ``max_grades`` (e.g. a file with a continuous PD
column) they are bucketed by PD quantiles and each bucket uses its exposure-weighted mean
PD — the pool's expected loss is kept, and :attr:`Cells.approximated` says so.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from urikake.domain.errors import DomainError

__all__ = ["POOL_COLUMNS", "Cells", "PoolData", "cells_of", "parse_pool_csv", "pool_from_rows"]

POOL_COLUMNS = ("receivable_id", "debtor_id", "amount", "pd", "lgd", "months")
MAX_MONTHS = 120


@dataclass(frozen=True, eq=False)
class PoolData:
    """One row per receivable (arrays of equal length)."""

    receivable_id: tuple[str, ...]
    debtor_id: tuple[str, ...]
    amount: np.ndarray  # int64 yen
    pd: np.ndarray  # float64 in [0, 1]
    lgd: np.ndarray  # float64 in [0, 1]
    months: np.ndarray  # int64, the month (1..) in which the receivable is due

    @property
    def size(self) -> int:
        return int(self.amount.shape[0])

    @property
    def balance(self) -> int:
        return int(self.amount.sum())

    @property
    def horizon(self) -> int:
        return int(self.months.max()) if self.size else 0


def _number(text: str, column: str, line: int, *, integer: bool) -> float | int:
    value = text.strip().replace(",", "")
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        raise DomainError(
            "securitization.not_a_number",
            f"{line}行目: {column} が数値ではありません（{text!r}）。",
            field=column,
            line=line,
        ) from None
    if not integer and not math.isfinite(number):
        raise DomainError(
            "securitization.not_a_number",
            f"{line}行目: {column} が有限の数値ではありません（{text!r}）。",
            field=column,
            line=line,
        )
    return number


def pool_from_rows(rows: list[tuple[str, str, int, float, float, int]]) -> PoolData:
    """Build a pool from already validated rows (id, debtor, amount, pd, lgd, months)."""
    if not rows:
        raise DomainError("securitization.empty_pool", "プールに債権がありません。")
    ids, debtors, amounts, pds, lgds, months = zip(*rows, strict=True)
    return PoolData(
        receivable_id=tuple(ids),
        debtor_id=tuple(debtors),
        amount=np.asarray(amounts, dtype=np.int64),
        pd=np.asarray(pds, dtype=np.float64),
        lgd=np.asarray(lgds, dtype=np.float64),
        months=np.asarray(months, dtype=np.int64),
    )


def parse_pool_csv(text: str) -> PoolData:
    """Parse ``receivable_id,debtor_id,amount,pd,lgd,months`` (header required, any order).

    All-or-nothing: the first bad line raises :class:`DomainError` naming the line (the
    header is line 1) and the column; nothing is returned for a partly valid file.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DomainError("securitization.empty_file", "ファイルが空です。", line=1) from None
    missing = [c for c in POOL_COLUMNS if c not in header]
    if missing:
        raise DomainError(
            "securitization.missing_column",
            f"1行目: 列 {', '.join(missing)} がありません（必要な列: {','.join(POOL_COLUMNS)}）。",
            field=missing[0],
            line=1,
        )
    at = {c: header.index(c) for c in POOL_COLUMNS}
    rows: list[tuple[str, str, int, float, float, int]] = []
    seen: set[str] = set()
    for line, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            raise DomainError(
                "securitization.short_line",
                f"{line}行目: 列が足りません（{len(cells)}列、必要 {len(header)}列）。",
                line=line,
            )
        rid = cells[at["receivable_id"]].strip()
        if not rid:
            raise DomainError(
                "securitization.missing_id",
                f"{line}行目: receivable_id が空です。",
                field="receivable_id",
                line=line,
            )
        if rid in seen:
            raise DomainError(
                "securitization.duplicate_id",
                f"{line}行目: receivable_id {rid} が重複しています。",
                field="receivable_id",
                line=line,
            )
        seen.add(rid)
        amount = int(_number(cells[at["amount"]], "amount", line, integer=True))
        if amount < 0:
            raise DomainError(
                "securitization.negative_amount",
                f"{line}行目: amount が負の値です（{amount}）。",
                field="amount",
                line=line,
            )
        pd = float(_number(cells[at["pd"]], "pd", line, integer=False))
        if not 0.0 <= pd <= 1.0:
            raise DomainError(
                "securitization.pd_out_of_range",
                f"{line}行目: pd は0以上1以下で指定してください（{pd}）。",
                field="pd",
                line=line,
            )
        lgd = float(_number(cells[at["lgd"]], "lgd", line, integer=False))
        if not 0.0 <= lgd <= 1.0:
            raise DomainError(
                "securitization.lgd_out_of_range",
                f"{line}行目: lgd は0以上1以下で指定してください（{lgd}）。",
                field="lgd",
                line=line,
            )
        months = int(_number(cells[at["months"]], "months", line, integer=True))
        if not 1 <= months <= MAX_MONTHS:
            raise DomainError(
                "securitization.months_out_of_range",
                f"{line}行目: months は1以上{MAX_MONTHS}以下で指定してください（{months}）。",
                field="months",
                line=line,
            )
        rows.append((rid, cells[at["debtor_id"]].strip(), amount, pd, lgd, months))
    if not rows:
        raise DomainError("securitization.empty_pool", "2行目: 債権の行がありません。", line=2)
    pool = pool_from_rows(rows)
    if pool.balance <= 0:
        raise DomainError("securitization.zero_balance", "プールの合計金額が0円です。")
    return pool


@dataclass(frozen=True, eq=False)
class Cells:
    """Receivables grouped by (PD grade, payment month), ready for the simulation."""

    pd: np.ndarray  # (C,) PD of each cell
    month: np.ndarray  # (C,) payment month of each cell
    size: np.ndarray  # (C,) number of receivables
    start: np.ndarray  # (C,) offset of the cell's members in ``amount``/``loss``
    amount: np.ndarray  # (n,) int64, receivables ordered by cell
    loss: np.ndarray  # (n,) float64, amount × LGD, same order
    balance: int
    horizon: int
    grades: int
    approximated: bool


def _grade(pool: PoolData, max_grades: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """(grade index per receivable, PD per grade, approximated?)."""
    values, index = np.unique(pool.pd, return_inverse=True)
    if values.shape[0] <= max_grades:
        return index, values, False
    edges = np.quantile(pool.pd, np.linspace(0, 1, max_grades + 1)[1:-1])
    index = np.searchsorted(edges, pool.pd, side="right")
    weights = pool.amount.astype(np.float64)
    exposure = np.bincount(index, weights=weights, minlength=max_grades)
    weighted = np.bincount(index, weights=weights * pool.pd, minlength=max_grades)
    count = np.bincount(index, minlength=max_grades)
    plain = np.bincount(index, weights=pool.pd, minlength=max_grades)
    pds = np.where(exposure > 0, weighted / np.where(exposure > 0, exposure, 1), 0.0)
    pds = np.where((exposure <= 0) & (count > 0), plain / np.maximum(count, 1), pds)
    used = np.unique(index)
    remap = np.full(max_grades, -1)
    remap[used] = np.arange(used.shape[0])
    return remap[index], pds[used], True


def cells_of(pool: PoolData, *, max_grades: int = 64) -> Cells:
    """Group the pool into (grade, month) cells (see the module docstring)."""
    if pool.size == 0:
        raise DomainError("securitization.empty_pool", "プールに債権がありません。")
    if pool.balance <= 0:
        raise DomainError("securitization.zero_balance", "プールの合計金額が0円です。")
    grade, grade_pd, approximated = _grade(pool, max_grades)
    horizon = pool.horizon
    key = grade * (horizon + 1) + pool.months
    keys, cell_of = np.unique(key, return_inverse=True)
    order = np.argsort(cell_of, kind="stable")
    size = np.bincount(cell_of)
    start = np.concatenate(([0], np.cumsum(size)[:-1]))
    amount = pool.amount[order]
    return Cells(
        pd=grade_pd[keys // (horizon + 1)],
        month=(keys % (horizon + 1)).astype(np.int64),
        size=size.astype(np.int64),
        start=start.astype(np.int64),
        amount=amount,
        loss=amount.astype(np.float64) * pool.lgd[order],
        balance=pool.balance,
        horizon=horizon,
        grades=int(grade_pd.shape[0]),
        approximated=approximated,
    )
