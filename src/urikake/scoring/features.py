"""Reading tabular history, inferring column types and encoding rows for the model.

Column types are inferred from the CSV itself: a column is *numeric* when every non-empty value
parses as a number, otherwise *categorical*. Categorical columns keep their most frequent
:data:`MAX_CATEGORIES` values (the rest share one ``__other__`` code); a categorical column
whose distinct values are mostly unique (free text, identifiers) is *dropped*, with a note in
the model card, because it cannot generalise. Empty cells are missing values (NaN), which the
gradient-boosting model handles natively; unseen categories at prediction time are treated as
missing too.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MAX_CATEGORIES = 64
OTHER = "__other__"
#: A categorical column with more distinct values than this share of its non-empty cells
#: (and more than MAX_CATEGORIES of them) is treated as free text / an identifier and dropped.
FREE_TEXT_UNIQUE_SHARE = 0.5
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none"})


class DataError(ValueError):
    """The input data cannot be used; the message says why, for the operator."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    fingerprint: str = ""

    def column(self, name: str) -> list[str]:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]


def read_csv(path: Path) -> Table:
    """Read a UTF-8 (BOM tolerated) CSV with a header row; refuse empty or ragged files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text") from exc
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DataError(f"{path} is empty: expected a header row and data rows")
    columns = [h.strip() for h in header]
    dupes = [c for c, k in Counter(columns).items() if k > 1]
    if dupes:
        raise DataError(f"{path}: duplicate column names: {', '.join(dupes)}")
    rows: list[list[str]] = []
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(columns):
            raise DataError(
                f"{path}, line {lineno}: {len(row)} fields but the header has {len(columns)}"
            )
        rows.append([c.strip() for c in row])
    if not rows:
        raise DataError(f"{path} has a header but no data rows")
    fingerprint = "sha256:" + hashlib.sha256(raw).hexdigest()
    return Table(columns=columns, rows=rows, fingerprint=fingerprint)


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and value.strip().lower() in MISSING_TOKENS


def to_number(value: object) -> float:
    """A float for a numeric cell, NaN when missing; ValueError when not a number."""
    if is_missing(value):
        return math.nan
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    number = float(str(value).replace(",", "").replace("_", ""))
    if math.isinf(number):
        raise ValueError("infinite")
    return number


@dataclass
class ColumnSpec:
    name: str
    kind: str  # "numeric" | "categorical"
    categories: list[str] = field(default_factory=list)  # categorical: code i = categories[i]
    reference: float = math.nan  # median (numeric) or code of the mode (categorical)
    missing_share: float = 0.0

    def encode(self, value: object) -> float:
        if self.kind == "numeric":
            try:
                return to_number(value)
            except ValueError as exc:
                raise DataError(f"column {self.name!r}: {value!r} is not a number") from exc
        if is_missing(value):
            return math.nan
        text = str(value).strip()
        try:
            return float(self.categories.index(text))
        except ValueError:
            if OTHER in self.categories:
                return float(self.categories.index(OTHER))
            return math.nan  # unseen category: treated as missing


@dataclass
class Schema:
    target: str
    features: list[ColumnSpec]
    dropped: dict[str, str] = field(default_factory=dict)  # column -> reason

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "features": [
                {
                    k: (None if isinstance(v, float) and math.isnan(v) else v)
                    for k, v in asdict(f).items()
                }
                for f in self.features
            ],
            "dropped": self.dropped,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Schema:
        feats = []
        for f in data["features"]:
            ref = f.get("reference")
            feats.append(
                ColumnSpec(
                    name=f["name"],
                    kind=f["kind"],
                    categories=list(f.get("categories") or []),
                    reference=math.nan if ref is None else float(ref),
                    missing_share=float(f.get("missing_share") or 0.0),
                )
            )
        return cls(target=data["target"], features=feats, dropped=dict(data.get("dropped") or {}))

    def encode_rows(self, rows: Iterable[Mapping[str, object]]) -> np.ndarray:
        feats = self.features
        data = [[f.encode(row.get(f.name)) for f in feats] for row in rows]
        return np.asarray(data, dtype=np.float64).reshape(-1, len(feats))

    def categorical_mask(self) -> np.ndarray:
        return np.array([f.kind == "categorical" for f in self.features], dtype=bool)


def _numeric(values: Sequence[str]) -> bool:
    for v in values:
        if is_missing(v):
            continue
        try:
            to_number(v)
        except ValueError:
            return False
    return True


def infer_schema(table: Table, target: str, exclude: Iterable[str] = ()) -> Schema:
    """Decide each non-target column's type and reference value from the data."""
    skip = {target, *exclude}
    features: list[ColumnSpec] = []
    dropped: dict[str, str] = {}
    n = len(table.rows)
    for name in table.columns:
        if name in skip:
            continue
        values = table.column(name)
        present = [v for v in values if not is_missing(v)]
        missing_share = 1 - len(present) / n
        if not present:
            dropped[name] = "every value is missing"
            continue
        if _numeric(values):
            nums = np.array([to_number(v) for v in present])
            if np.all(nums == nums[0]):
                dropped[name] = "constant"
                continue
            features.append(
                ColumnSpec(
                    name, "numeric", reference=float(np.median(nums)), missing_share=missing_share
                )
            )
            continue
        counts = Counter(present)
        if len(counts) == 1:
            dropped[name] = "constant"
            continue
        if len(counts) > MAX_CATEGORIES and len(counts) > FREE_TEXT_UNIQUE_SHARE * len(present):
            dropped[name] = (
                f"free text / identifier ({len(counts)} distinct values in {len(present)} rows)"
            )
            continue
        top = [v for v, _ in counts.most_common(MAX_CATEGORIES - 1)]
        categories = sorted(top)
        if len(counts) > len(top):
            categories.append(OTHER)
        spec = ColumnSpec(name, "categorical", categories=categories, missing_share=missing_share)
        spec.reference = spec.encode(counts.most_common(1)[0][0])
        features.append(spec)
    if not features:
        raise DataError("no usable feature columns besides the target")
    return Schema(target=target, features=features, dropped=dropped)


def parse_target(table: Table, target: str) -> np.ndarray:
    """The 0/1 outcome column as an int array; clear errors for anything else."""
    if target not in table.columns:
        raise DataError(
            f"target column {target!r} not found; columns are: {', '.join(table.columns)}"
        )
    out = []
    for lineno, v in enumerate(table.column(target), start=2):
        if v in {"0", "1"}:
            out.append(int(v))
            continue
        try:
            number = float(v)
        except ValueError:
            number = math.nan
        if number in (0.0, 1.0):
            out.append(int(number))
            continue
        shown = "an empty value" if is_missing(v) else repr(v)
        raise DataError(
            f"target column {target!r} must be 0 or 1 on every row; row {lineno - 1} "
            f"(line {lineno}) has {shown}"
        )
    y = np.asarray(out, dtype=np.int64)
    if y.min() == y.max():
        raise DataError(
            f"target column {target!r} has only one outcome ({y[0]}); need both 0 and 1"
        )
    return y
