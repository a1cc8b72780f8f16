"""``urikake score …`` end to end through call_command (and one real subprocess for exit codes)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.unit.scoring.helpers import read_rows, write_history


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("score", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("score")
    data = write_history(base / "history.csv", 2000, seed=21)
    out = run(
        "train",
        str(data),
        "--target",
        "outcome",
        "--out",
        str(base / "model"),
        "--monotonic",
        "risk_index=+1",
        "--seed",
        "4",
        "--test-size",
        "0.3",
    )
    for label in ("ROC AUC", "KS statistic", "Brier score (calibrated)", "dropped column 'memo'"):
        assert label in out
    auc = float(next(line for line in out.splitlines() if "ROC AUC" in line).split()[-1])
    assert auc > 0.75
    return base / "model"


def test_train_writes_model_dir(model_dir: Path) -> None:
    assert {p.name for p in model_dir.iterdir()} == {"model.joblib", "schema.json", "model_card.md"}
    card = (model_dir / "model_card.md").read_text()
    assert "KS statistic" in card
    assert "Intended use" in card
    assert "Limitations" in card


def test_predict_writes_one_row_per_input(model_dir: Path, tmp_path: Path) -> None:
    fresh = write_history(tmp_path / "new.csv", 137, seed=77)
    out = tmp_path / "pred.csv"
    text = run("predict", str(model_dir), str(fresh), "--out", str(out), "--id-column", "memo")
    assert "scored 137 rows" in text
    rows = read_rows(out)
    assert len(rows) == 137
    assert list(rows[0]) == [
        "memo",
        "probability",
        "grade",
        "reason_1",
        "reason_2",
        "reason_3",
        "model",
    ]
    assert rows[0]["memo"] == "メモ0-77"
    for r in rows:
        assert 0.0 <= float(r["probability"]) <= 1.0
        assert r["grade"] in "ABCDE"
        for code in (r["reason_1"], r["reason_2"], r["reason_3"]):
            assert code == "" or code.split(":")[0] in {"high", "low", "missing", "is"}


def test_predict_with_the_shipped_baseline_says_synthetic(tmp_path: Path) -> None:
    data = tmp_path / "syn.csv"
    assert "SYNTHETIC" in run("synth", "--rows", "300", "--seed", "8", "--out", str(data))
    out = tmp_path / "p.csv"
    run("predict", "baseline", str(data), "--out", str(out))
    rows = read_rows(out)
    assert len(rows) == 300
    assert rows[0]["model"] == "urikake-baseline-synthetic (synthetic baseline)"
    assert any(r["reason_1"].endswith("payment_regularity") for r in rows)


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        (["x", "y"], [[i, i % 2] for i in range(100)], "target column 'outcome' not found"),
        (["x", "outcome"], [[i, i % 3] for i in range(100)], "must be 0 or 1"),
        (["x", "outcome"], [[i, "yes"] for i in range(100)], "must be 0 or 1"),
        (["x", "outcome"], [[i, ""] for i in range(100)], "empty value"),
        (["x", "outcome"], [[i, 0] for i in range(100)], "only one outcome"),
        (["x", "outcome"], [[i, i % 2] for i in range(10)], "too little data"),
    ],
)
def test_train_errors(
    tmp_path: Path, header: list[str], rows: list[list[object]], message: str
) -> None:
    data = _csv(tmp_path / "d.csv", header, rows)
    with pytest.raises(CommandError, match=message):
        run("train", str(data), "--target", "outcome", "--out", str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()


def test_train_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CommandError, match="empty"):
        run("train", str(tmp_path / "empty.csv"), "--target", "y", "--out", str(tmp_path / "m"))


def test_predict_errors(model_dir: Path, tmp_path: Path) -> None:
    data = _csv(tmp_path / "d.csv", ["risk_index"], [[1]])
    with pytest.raises(CommandError, match="lacks model column"):
        run("predict", str(model_dir), str(data), "--out", str(tmp_path / "p.csv"))
    with pytest.raises(CommandError, match="not a model directory"):
        run("predict", str(tmp_path), str(data), "--out", str(tmp_path / "p.csv"))


def test_cli_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "urikake",
            "score",
            "train",
            str(tmp_path / "empty.csv"),
            "--target",
            "y",
            "--out",
            str(tmp_path / "m"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode != 0
    assert "is empty" in proc.stderr
