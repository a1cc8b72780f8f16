from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from tests.unit.scoring.helpers import write_history
from urikake.scoring import card, synthetic
from urikake.scoring.features import DataError, read_csv
from urikake.scoring.model import (
    BASELINE_DIR,
    GRADES,
    ScoringModel,
    TrainResult,
    grade_for,
    ks_statistic,
    load_baseline,
    parse_monotonic,
    parse_thresholds,
    predict_one,
    train,
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    path = write_history(tmp_path_factory.mktemp("s") / "h.csv", 2500, seed=11)
    return train(read_csv(path), "outcome", monotonic={"risk_index": 1}, seed=3)


def test_learnable_signal_gives_honest_metrics(trained: TrainResult) -> None:
    m = trained.metrics
    assert m.rows_test == 625
    assert m.auc > 0.75
    assert 0.3 < m.ks <= 1
    assert m.brier < m.brier_base_rate
    schema = trained.model.schema
    kinds = {f.name: f.kind for f in schema.features}
    assert kinds == {
        "risk_index": "numeric",
        "tenure": "numeric",
        "region": "categorical",
        "balance": "numeric",
    }
    assert "memo" in schema.dropped  # free text, noted in the card
    assert sum(g["rows"] for g in m.grade_table) == m.rows_test


def test_pure_noise_target_scores_near_chance(tmp_path: Path) -> None:
    path = write_history(tmp_path / "noise.csv", 3000, seed=5, noise=True)
    m = train(read_csv(path), "outcome", seed=1).metrics
    assert abs(m.auc - 0.5) < 0.08
    assert m.brier >= m.brier_base_rate - 0.005  # no skill beyond the base rate


def test_monotonic_constraint_is_respected(trained: TrainResult) -> None:
    model = trained.model
    rng = np.random.default_rng(0)
    grid = np.linspace(-4, 4, 81)
    j = model.schema.names.index("risk_index")
    base = model.schema.encode_rows(
        [
            {"tenure": t, "region": r, "balance": b}
            for t, r, b in zip(
                rng.uniform(0, 10, 40),
                rng.choice(["北海道", "関東", "九州", ""], 40),
                rng.choice([1e5, 5e5, ""], 40),
                strict=True,
            )
        ]
    )
    for row in base:
        xs = np.repeat(row[np.newaxis, :], len(grid), axis=0)
        xs[:, j] = grid
        p = model.probabilities(xs)
        assert np.all(np.diff(p) >= -1e-12)
    # …and the unconstrained U-shaped feature is free to go both ways (it is not forced).
    assert model.meta["monotonic"] == {"risk_index": 1}


def test_monotonic_on_categorical_or_unknown_column_is_refused(tmp_path: Path) -> None:
    table = read_csv(write_history(tmp_path / "h.csv", 200, seed=2))
    with pytest.raises(DataError, match="categorical"):
        train(table, "outcome", monotonic={"region": 1})
    with pytest.raises(DataError, match="not a feature"):
        train(table, "outcome", monotonic={"nope": -1})


def test_reason_codes_point_at_the_risky_feature(trained: TrainResult) -> None:
    model = trained.model
    s = model.predict_one({"risk_index": 3.5, "tenure": 5, "region": "関西", "balance": 2e5})
    assert s.grade == "E"
    assert s.reasons[0].code == "high:risk_index"
    assert s.reasons[0].contribution > 0.1
    safe = model.predict_one({"risk_index": -3, "tenure": 5, "region": "関東", "balance": 2e5})
    assert safe.probability < s.probability
    assert all(r.code != "high:risk_index" for r in safe.reasons)
    assert not s.synthetic
    assert s.notice == ""


def test_save_load_roundtrip_and_checksum(trained: TrainResult, tmp_path: Path) -> None:
    trained.model.save(tmp_path / "m", card.render(trained, "h.csv"))
    loaded = ScoringModel.load(tmp_path / "m")
    row = {"risk_index": 0.2, "tenure": 1, "region": "九州", "balance": None}
    assert loaded.predict_one(row) == trained.model.predict_one(row)
    schema = json.loads((tmp_path / "m" / "schema.json").read_text())
    assert schema["target"] == "outcome"
    assert schema["grade_thresholds"] == {"A": 0.02, "B": 0.05, "C": 0.1, "D": 0.2}
    assert schema["data_fingerprint"].startswith("sha256:")
    card_text = (tmp_path / "m" / "model_card.md").read_text()
    assert "ROC AUC" in card_text
    assert "trusted sources" in card_text
    assert "`memo`: free text" in card_text
    assert "synthetic data" not in card_text
    with (tmp_path / "m" / "model.joblib").open("ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(DataError, match="checksum"):
        ScoringModel.load(tmp_path / "m")


def test_unseen_category_and_unknown_feature(trained: TrainResult) -> None:
    s = trained.model.predict_one({"risk_index": 0, "region": "沖縄"})  # unseen → missing
    assert 0 < s.probability < 1
    with pytest.raises(DataError, match="unknown feature"):
        trained.model.predict_one({"risk_indx": 1})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("a,outcome\n", "no data rows"),
        ("a,outcome\n1,0\n2\n", "line 3"),
    ],
)
def test_bad_csv(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_csv(path)


def test_grades_thresholds_and_helpers() -> None:
    t = parse_thresholds(None)
    assert [grade_for(p, t) for p in (0.0, 0.02, 0.03, 0.1, 0.15, 0.9)] == list("AABCDE")
    assert parse_thresholds("0.01,0.02,0.03,0.5")["D"] == 0.5
    with pytest.raises(DataError):
        parse_thresholds("0.1,0.05,0.2,0.3")
    assert parse_monotonic("a=+1, b=-1") == {"a": 1, "b": -1}
    with pytest.raises(DataError):
        parse_monotonic("a=2")
    y = np.array([0, 0, 1, 1])
    assert ks_statistic(y, np.array([0.1, 0.2, 0.8, 0.9])) == 1.0
    assert GRADES == ("A", "B", "C", "D", "E")


def test_shipped_baseline_loads_and_predicts() -> None:
    assert (BASELINE_DIR / "model.joblib").stat().st_size < 2_000_000
    model = load_baseline()
    assert model.synthetic
    assert model is load_baseline()
    assert set(model.schema.names) == set(synthetic.COLUMNS)
    risky = predict_one(
        {
            "payment_regularity": 0.2,
            "days_since_last_payment": 200,
            "prior_defaults": 2,
            "industry": "food_service",
            "dilution_rate": 0.1,
        }
    )
    safe = predict_one(
        {"payment_regularity": 0.98, "days_since_last_payment": 5, "industry": "healthcare"}
    )
    assert risky.synthetic
    assert "SYNTHETIC" in risky.notice
    assert risky.probability > safe.probability
    assert risky.grade in {"D", "E"}
    assert safe.grade in {"A", "B"}
    codes = {r.code for r in risky.reasons}
    assert "low:payment_regularity" in codes
    assert all(r.label != r.feature for r in risky.reasons)  # Japanese labels
    card_text = (BASELINE_DIR / "model_card.md").read_text()
    assert "trained on synthetic data" in card_text


def test_baseline_monotonic_in_payment_regularity() -> None:
    model = load_baseline()
    rows = synthetic.generate(30, seed=99)
    for row in rows:
        ps = [
            model.predict_one({**row, "payment_regularity": v}).probability
            for v in (0.0, 0.25, 0.5, 0.75, 1.0)
        ]
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise(ps))


def test_synthetic_generator_is_seeded() -> None:
    assert synthetic.generate(50, seed=4) == synthetic.generate(50, seed=4)
    assert synthetic.generate(50, seed=4) != synthetic.generate(50, seed=5)
    rate = np.mean([r["defaulted"] for r in synthetic.generate(5000, seed=1)])
    assert 0.05 < rate < 0.12


def test_training_recovers_the_synthetic_signal(tmp_path: Path) -> None:
    rows = synthetic.generate(3000, seed=31, include_truth=True)
    truth = np.array([r.pop("true_probability") for r in rows])
    y = np.array([r["defaulted"] for r in rows])
    synthetic.write_csv(tmp_path / "s.csv", rows)
    result = train(
        read_csv(tmp_path / "s.csv"), "defaulted", monotonic=synthetic.BASELINE_MONOTONIC
    )
    ceiling = roc_auc_score(y, truth)
    assert result.metrics.auc > 0.62
    assert result.metrics.auc < ceiling + 0.06  # no leakage: cannot beat the truth by much
