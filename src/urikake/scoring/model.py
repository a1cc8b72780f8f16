"""Train, save, load and apply a default-probability model; grades and reason codes.

The estimator is scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
(native categorical support, NaN handling, ``monotonic_cst``) wrapped in
:class:`~sklearn.calibration.CalibratedClassifierCV` (isotonic for ≥ 1,000 training rows,
sigmoid below). Isotonic/sigmoid maps are non-decreasing, so declared monotonic constraints
survive calibration.

Reason codes are a "drop-one" attribution: for each feature the row's value is replaced by the
training reference (median for numbers, mode for categories) and the change in probability is
the feature's contribution. The features that *raise* risk the most are reported, as codes like
``high:days_past_due_max``, ``low:payment_regularity``, ``missing:x`` or ``is:industry``.

A model directory holds ``model.joblib`` (the sklearn objects — joblib is pickle: load only
files from a trusted source), ``schema.json`` (columns, types, target, monotonic constraints,
grade thresholds, training date, data fingerprint, metrics) and ``model_card.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import math
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import numpy as np
import sklearn  # type: ignore[import-untyped]
from sklearn.calibration import CalibratedClassifierCV  # type: ignore[import-untyped]
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve  # type: ignore[import-untyped]
from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from urikake.scoring import synthetic
from urikake.scoring.features import DataError, Schema, Table, infer_schema, parse_target

BASELINE_DIR = Path(__file__).parent / "baseline"
BASELINE_NOTICE = (
    "ベースラインモデル: 合成データ(urikake.scoring.synthetic)で学習。実績データではありません / "
    "baseline model trained on SYNTHETIC data, not real outcomes — retrain on your own history"
)
MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
CARD_FILE = "model_card.md"
FORMAT_VERSION = 1

#: Upper bounds of the probability of default for grades A–D; E is everything above.
DEFAULT_GRADE_THRESHOLDS: dict[str, float] = {"A": 0.02, "B": 0.05, "C": 0.10, "D": 0.20}
GRADES = ("A", "B", "C", "D", "E")
TOP_REASONS = 3
#: Contributions smaller than this (in probability) are not reported as reasons.
MIN_CONTRIBUTION = 0.001
MIN_ROWS = 40
#: Batches up to this many (stacked) rows are predicted on one thread.
SINGLE_THREAD_ROWS = 4096


@functools.cache
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


MIN_PER_CLASS = 8


@dataclass(frozen=True)
class Reason:
    code: str  # e.g. "high:days_since_last_payment"
    feature: str
    label: str  # Japanese label when known, else the column name
    contribution: float  # probability points this feature adds versus its reference value

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Score:
    probability: float
    grade: str
    reasons: tuple[Reason, ...]
    model: str  # model name, e.g. "urikake-baseline-synthetic"
    synthetic: bool  # True for the shipped baseline: say so wherever the score is shown

    @property
    def notice(self) -> str:
        return BASELINE_NOTICE if self.synthetic else ""


@dataclass(frozen=True)
class Metrics:
    rows_train: int
    rows_test: int
    base_rate_test: float
    auc: float
    ks: float
    brier: float  # calibrated model on the held-out set
    brier_uncalibrated: float
    brier_base_rate: float  # predicting the training base rate for everyone
    grade_table: list[dict[str, Any]] = field(default_factory=list)

    def as_rows(self) -> list[tuple[str, str]]:
        return [
            ("held-out rows", f"{self.rows_test:,} (train {self.rows_train:,})"),
            ("held-out default rate", f"{self.base_rate_test:.4f}"),
            ("ROC AUC", f"{self.auc:.4f}"),
            ("KS statistic", f"{self.ks:.4f}"),
            ("Brier score (calibrated)", f"{self.brier:.4f}"),
            ("Brier score (uncalibrated)", f"{self.brier_uncalibrated:.4f}"),
            ("Brier score (base rate only)", f"{self.brier_base_rate:.4f}"),
        ]


def ks_statistic(y: np.ndarray, p: np.ndarray) -> float:
    """Kolmogorov–Smirnov: the largest gap between the score CDFs of the two classes."""
    fpr, tpr, _ = roc_curve(y, p)
    return float(np.max(tpr - fpr))


def grade_for(probability: float, thresholds: Mapping[str, float]) -> str:
    for grade in GRADES[:-1]:
        if probability <= thresholds[grade]:
            return grade
    return GRADES[-1]


def parse_monotonic(spec: str | None) -> dict[str, int]:
    """``"col=+1,col2=-1"`` → ``{"col": 1, "col2": -1}``."""
    out: dict[str, int] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        name, sep, sign = part.partition("=")
        if not sep or sign.strip() not in {"+1", "1", "-1", "0"}:
            raise DataError(f"bad --monotonic entry {part!r}: expected column=+1 or column=-1")
        out[name.strip()] = int(sign.strip())
    return out


def parse_thresholds(spec: str | None) -> dict[str, float]:
    """``"0.02,0.05,0.1,0.2"`` → upper bounds for A–D (strictly increasing, in (0, 1))."""
    if not spec:
        return dict(DEFAULT_GRADE_THRESHOLDS)
    try:
        values = [float(v) for v in spec.split(",")]
    except ValueError as exc:
        raise DataError(f"bad grade thresholds {spec!r}: four numbers expected") from exc
    if len(values) != 4 or any(not 0 < v < 1 for v in values) or values != sorted(set(values)):
        raise DataError(f"bad grade thresholds {spec!r}: four increasing numbers in (0, 1)")
    return dict(zip(GRADES[:-1], values, strict=True))


class ScoringModel:
    """A trained model with its schema; build with :func:`train`, or :meth:`load` a directory."""

    def __init__(self, estimator: Any, schema: Schema, meta: dict[str, Any]) -> None:
        self.estimator = estimator
        self.schema = schema
        self.meta = meta
        self.thresholds: dict[str, float] = meta["grade_thresholds"]
        self.name: str = meta.get("name", "urikake-model")
        self.synthetic: bool = bool(meta.get("synthetic", False))
        self.labels: dict[str, str] = meta.get("labels", {})
        self._reference = np.array([f.reference for f in schema.features], dtype=np.float64)

    # -- prediction -------------------------------------------------------------------------

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] <= SINGLE_THREAD_ROWS:
            # One OpenMP parallel region per tree costs more than it saves on a few rows,
            # and on a busy machine its spin-waiting threads make single-row latency explode.
            with _threadpools().limit(limits=1, user_api="openmp"):
                return np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=np.float64)
        return np.asarray(self.estimator.predict_proba(x)[:, 1], dtype=np.float64)

    def score_matrix(self, x: np.ndarray, top: int = TOP_REASONS) -> list[Score]:
        """Probabilities, grades and top reasons for an encoded matrix (one predict call)."""
        n, k = x.shape
        if n == 0:
            return []
        # Block 0: the rows as given; block j+1: feature j replaced by its reference value.
        stacked = np.repeat(x[np.newaxis, :, :], k + 1, axis=0)
        for j in range(k):
            stacked[j + 1, :, j] = self._reference[j]
        probs = self.probabilities(stacked.reshape(-1, k)).reshape(k + 1, n)
        base = probs[0]
        contrib = base[np.newaxis, :] - probs[1:]  # (k, n): how much feature j adds
        scores = []
        for i in range(n):
            order = np.argsort(-contrib[:, i], kind="stable")[:top]
            reasons = tuple(
                self._reason(j, x[i, j], float(contrib[j, i]))
                for j in order
                if contrib[j, i] >= MIN_CONTRIBUTION
            )
            p = float(base[i])
            scores.append(
                Score(p, grade_for(p, self.thresholds), reasons, self.name, self.synthetic)
            )
        return scores

    def _reason(self, j: int, value: float, contribution: float) -> Reason:
        spec = self.schema.features[j]
        if math.isnan(value):
            prefix = "missing"
        elif spec.kind == "categorical":
            prefix = "is"
        else:
            prefix = "high" if value > spec.reference else "low"
        label = self.labels.get(spec.name, spec.name)
        return Reason(f"{prefix}:{spec.name}", spec.name, label, round(contribution, 4))

    def score_rows(self, rows: Sequence[Mapping[str, object]]) -> list[Score]:
        return self.score_matrix(self.schema.encode_rows(rows))

    def predict_one(self, features: Mapping[str, object]) -> Score:
        unknown = set(features) - set(self.schema.names) - {self.schema.target}
        if unknown:
            raise DataError(
                f"unknown feature(s) for model {self.name}: {', '.join(sorted(unknown))}"
            )
        return self.score_rows([features])[0]

    # -- persistence ------------------------------------------------------------------------

    def save(self, directory: Path, card: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / MODEL_FILE
        joblib.dump({"format": FORMAT_VERSION, "estimator": self.estimator}, model_path, compress=3)
        meta = dict(self.meta)
        meta["model_sha256"] = hashlib.sha256(model_path.read_bytes()).hexdigest()
        document = {"format": FORMAT_VERSION, **meta, "schema": self.schema.to_dict()}
        (directory / SCHEMA_FILE).write_text(
            json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        (directory / CARD_FILE).write_text(card, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> ScoringModel:
        """Load a model directory. ``model.joblib`` is unpickled: trusted sources only."""
        schema_path, model_path = directory / SCHEMA_FILE, directory / MODEL_FILE
        if not schema_path.is_file() or not model_path.is_file():
            raise DataError(f"{directory} is not a model directory ({SCHEMA_FILE}, {MODEL_FILE})")
        document = json.loads(schema_path.read_text(encoding="utf-8"))
        if document.get("format") != FORMAT_VERSION:
            raise DataError(f"{directory}: unsupported model format {document.get('format')!r}")
        digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
        if digest != document.get("model_sha256"):
            raise DataError(f"{model_path} does not match the checksum in {SCHEMA_FILE}")
        payload = joblib.load(model_path)
        schema = Schema.from_dict(document.pop("schema"))
        return cls(payload["estimator"], schema, document)


# -- training -------------------------------------------------------------------------------


@dataclass
class TrainResult:
    model: ScoringModel
    metrics: Metrics


def train(
    table: Table,
    target: str,
    *,
    monotonic: Mapping[str, int] | None = None,
    seed: int = 0,
    test_size: float = 0.25,
    calibration: str = "auto",
    thresholds: Mapping[str, float] | None = None,
    exclude: Sequence[str] = (),
    name: str = "urikake-model",
    synthetic_data: bool = False,
    labels: Mapping[str, str] | None = None,
) -> TrainResult:
    """Fit on a stratified, seeded split; measure on the held-out part; return both."""
    y = parse_target(table, target)
    if len(y) < MIN_ROWS or min(int(y.sum()), int(len(y) - y.sum())) < MIN_PER_CLASS:
        raise DataError(
            f"too little data: {len(y)} rows with {int(y.sum())} positives; need at least "
            f"{MIN_ROWS} rows and {MIN_PER_CLASS} of each outcome"
        )
    if not 0.05 <= test_size <= 0.5:
        raise DataError("--test-size must be between 0.05 and 0.5")
    schema = infer_schema(table, target, exclude)
    monotonic = dict(monotonic or {})
    for col, sign in monotonic.items():
        spec = next((f for f in schema.features if f.name == col), None)
        if spec is None:
            raise DataError(f"--monotonic: {col!r} is not a feature column")
        if spec.kind != "numeric" and sign != 0:
            raise DataError(f"--monotonic: {col!r} is categorical; constraints need numbers")
    cst = [monotonic.get(f.name, 0) for f in schema.features]
    header = table.columns
    x = schema.encode_rows(dict(zip(header, r, strict=True)) for r in table.rows)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=test_size, stratify=y, random_state=seed
    )
    method = (
        calibration
        if calibration != "auto"
        else ("isotonic" if len(y_train) >= 1000 else "sigmoid")
    )
    if method not in {"isotonic", "sigmoid"}:
        raise DataError("--calibration must be auto, isotonic or sigmoid")
    booster = HistGradientBoostingClassifier(
        learning_rate=0.06,
        max_iter=400,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=schema.categorical_mask(),
        monotonic_cst=cst,
        early_stopping=True,
        validation_fraction=0.15,
        n_iter_no_change=25,
        random_state=seed,
    )
    estimator = CalibratedClassifierCV(booster, method=method, cv=3, ensemble=False)
    estimator.fit(x_train, y_train)

    p_test = np.asarray(estimator.predict_proba(x_test)[:, 1])
    raw = estimator.calibrated_classifiers_[0].estimator
    p_raw = np.asarray(raw.predict_proba(x_test)[:, 1])
    base_rate = float(y_train.mean())
    thresholds = dict(thresholds or DEFAULT_GRADE_THRESHOLDS)
    grades = np.array([grade_for(float(p), thresholds) for p in p_test])
    grade_table = []
    for g in GRADES:
        mask = grades == g
        count = int(mask.sum())
        grade_table.append(
            {
                "grade": g,
                "max_probability": thresholds.get(g, 1.0),
                "rows": count,
                "share": round(count / len(y_test), 4),
                "observed_default_rate": round(float(y_test[mask].mean()), 4) if count else None,
                "mean_probability": round(float(p_test[mask].mean()), 4) if count else None,
            }
        )
    metrics = Metrics(
        rows_train=len(y_train),
        rows_test=len(y_test),
        base_rate_test=float(y_test.mean()),
        auc=float(roc_auc_score(y_test, p_test)),
        ks=ks_statistic(y_test, p_test),
        brier=float(brier_score_loss(y_test, p_test)),
        brier_uncalibrated=float(brier_score_loss(y_test, p_raw)),
        brier_base_rate=float(brier_score_loss(y_test, np.full(len(y_test), base_rate))),
        grade_table=grade_table,
    )
    meta: dict[str, Any] = {
        "name": name,
        "synthetic": synthetic_data,
        "target": target,
        "monotonic": {k: v for k, v in monotonic.items() if v},
        "grade_thresholds": thresholds,
        "calibration": method,
        "trained_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "data_fingerprint": table.fingerprint,
        "data_rows": len(y),
        "data_positive_rate": round(float(y.mean()), 6),
        "seed": seed,
        "test_size": test_size,
        "iterations": int(raw.n_iter_),
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "metrics": dataclasses.asdict(metrics),
        "labels": dict(labels or {}),
    }
    return TrainResult(ScoringModel(estimator, schema, meta), metrics)


# -- the shipped baseline -------------------------------------------------------------------

BASELINE_ROWS = 20_000
BASELINE_DATA_SEED = 20_261_123
BASELINE_TRAIN_SEED = 7


def build_baseline(rows: int = BASELINE_ROWS) -> tuple[TrainResult, Table]:
    """Re-create the shipped baseline: synthetic history with a fixed seed, then :func:`train`."""
    data = synthetic.generate(rows, seed=BASELINE_DATA_SEED)
    columns = [*synthetic.COLUMNS, synthetic.TARGET]
    table = Table(
        columns=columns,
        rows=[["" if r[c] is None else str(r[c]) for c in columns] for r in data],
    )
    digest = hashlib.sha256(json.dumps(table.rows).encode()).hexdigest()
    table.fingerprint = f"sha256:{digest} (synthetic.generate({rows}, seed={BASELINE_DATA_SEED}))"
    result = train(
        table,
        synthetic.TARGET,
        monotonic=synthetic.BASELINE_MONOTONIC,
        seed=BASELINE_TRAIN_SEED,
        name="urikake-baseline-synthetic",
        synthetic_data=True,
        labels=synthetic.LABELS_JA,
    )
    return result, table


@functools.cache
def load_baseline() -> ScoringModel:
    """The shipped baseline (trained on SYNTHETIC data), loaded once per process."""
    return ScoringModel.load(BASELINE_DIR)


def predict_one(features: Mapping[str, object], model: ScoringModel | None = None) -> Score:
    """Score one receivable in-process; defaults to the baseline (``Score.synthetic`` is True).

    ``features`` maps column names to numbers, strings or ``None`` (missing); absent columns
    are missing too; unknown names raise :class:`DataError`.
    """
    return (model or load_baseline()).predict_one(features)
