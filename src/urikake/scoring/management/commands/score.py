"""``urikake score synth|train|predict|baseline`` — train and apply default-risk models."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from urikake.domain import safe_csv
from urikake.scoring import card, synthetic
from urikake.scoring.features import DataError, read_csv
from urikake.scoring.model import (
    BASELINE_DIR,
    BASELINE_NOTICE,
    TOP_REASONS,
    ScoringModel,
    TrainResult,
    build_baseline,
    parse_monotonic,
    parse_thresholds,
    train,
)


class Command(BaseCommand):
    help = "与信スコアリング: synthetic history, train, predict (see docs/scoring.md)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        syn = sub.add_parser("synth", help="write a synthetic factoring history CSV")
        syn.add_argument("--rows", type=int, default=20_000)
        syn.add_argument("--seed", type=int, default=0)
        syn.add_argument("--out", type=Path, required=True)

        tr = sub.add_parser("train", help="train a model on a CSV with a 0/1 outcome column")
        tr.add_argument("data", type=Path)
        tr.add_argument("--target", required=True, help="the 0/1 outcome column (1 = default)")
        tr.add_argument("--out", type=Path, required=True, help="model directory to write")
        tr.add_argument("--monotonic", help="e.g. days_late=+1,payment_regularity=-1")
        tr.add_argument("--seed", type=int, default=0)
        tr.add_argument("--test-size", type=float, default=0.25)
        tr.add_argument("--calibration", choices=["auto", "isotonic", "sigmoid"], default="auto")
        tr.add_argument("--grade-thresholds", help="PD upper bounds for A,B,C,D (0.02,0.05,…)")
        tr.add_argument("--exclude", action="append", default=[], help="column to ignore")
        tr.add_argument("--name", help="model name (default: the output directory's name)")

        pr = sub.add_parser("predict", help="score every row of a CSV with a model directory")
        pr.add_argument("model", type=Path, help="model directory (or 'baseline')")
        pr.add_argument("data", type=Path)
        pr.add_argument("--out", type=Path, required=True)
        pr.add_argument("--id-column", help="copy this input column into the output")

        bl = sub.add_parser("baseline", help="rebuild the shipped baseline from synthetic data")
        bl.add_argument("--out", type=Path, default=BASELINE_DIR)
        bl.add_argument("--rows", type=int, default=20_000)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['subcommand']}")(options)
        except DataError as exc:
            raise CommandError(str(exc)) from exc

    def _synth(self, options: dict[str, Any]) -> None:
        if options["rows"] < 1:
            raise CommandError("--rows must be at least 1")
        rows = synthetic.generate(options["rows"], seed=options["seed"])
        synthetic.write_csv(options["out"], rows)
        rate = sum(r[synthetic.TARGET] for r in rows) / len(rows)
        self.stdout.write(
            f"wrote {len(rows):,} SYNTHETIC rows to {options['out']} "
            f"(target {synthetic.TARGET!r}, default rate {rate:.2%})"
        )

    def _report(self, result: TrainResult, out: Path, seconds: float) -> None:
        rows = result.metrics.as_rows()
        width = max(len(k) for k, _ in rows)
        self.stdout.write(f"held-out metrics ({seconds:.1f}s to train):")
        for key, value in rows:
            self.stdout.write(f"  {key:<{width}}  {value}")
        self.stdout.write(
            "grades (held-out): "
            + ", ".join(f"{g['grade']} {g['rows']}" for g in result.metrics.grade_table)
        )
        if result.model.schema.dropped:
            for col, why in result.model.schema.dropped.items():
                self.stdout.write(f"  dropped column {col!r}: {why}")
        self.stdout.write(self.style.SUCCESS(f"model written to {out} (see {out}/model_card.md)"))

    def _train(self, options: dict[str, Any]) -> None:
        table = read_csv(options["data"])
        out: Path = options["out"]
        started = time.perf_counter()
        result = train(
            table,
            options["target"],
            monotonic=parse_monotonic(options["monotonic"]),
            seed=options["seed"],
            test_size=options["test_size"],
            calibration=options["calibration"],
            thresholds=parse_thresholds(options["grade_thresholds"]),
            exclude=options["exclude"],
            name=options["name"] or out.resolve().name,
        )
        seconds = time.perf_counter() - started
        result.model.save(out, card.render(result, source=options["data"].name))
        self._report(result, out, seconds)

    def _baseline(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        result, _ = build_baseline(options["rows"])
        seconds = time.perf_counter() - started
        source = f"urikake.scoring.synthetic.generate({options['rows']}) — SYNTHETIC"
        result.model.save(options["out"], card.render(result, source=source))
        self.stdout.write(BASELINE_NOTICE)
        self._report(result, options["out"], seconds)

    def _predict(self, options: dict[str, Any]) -> None:
        directory: Path = options["model"]
        if str(directory) == "baseline":
            directory = BASELINE_DIR
        model = ScoringModel.load(directory)
        if model.synthetic:
            self.stderr.write(BASELINE_NOTICE)
        table = read_csv(options["data"])
        missing = [c for c in model.schema.names if c not in table.columns]
        if missing:
            raise CommandError(f"{options['data']} lacks model column(s): {', '.join(missing)}")
        id_column = options["id_column"]
        if id_column and id_column not in table.columns:
            raise CommandError(f"--id-column {id_column!r} not in {options['data']}")
        records = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
        started = time.perf_counter()
        scores = model.score_rows(records)
        seconds = time.perf_counter() - started
        out: Path = options["out"]
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", newline="", encoding="utf-8") as fh:
            writer = safe_csv.writer(fh)
            head = [id_column or "row", "probability", "grade"]
            head += [f"reason_{i + 1}" for i in range(TOP_REASONS)] + ["model"]
            writer.writerow(head)
            for i, (record, s) in enumerate(zip(records, scores, strict=True), start=1):
                codes = [r.code for r in s.reasons] + [""] * (TOP_REASONS - len(s.reasons))
                key = record[id_column] if id_column else str(i)
                name = s.model + (" (synthetic baseline)" if s.synthetic else "")
                writer.writerow([key, f"{s.probability:.6f}", s.grade, *codes, name])
        self.stdout.write(
            self.style.SUCCESS(f"scored {len(scores):,} rows in {seconds:.2f}s → {out}")
        )
