"""The project's own semgrep rules (.semgrep/, run by `make lint`) catch what they promise.

Each rule ``.semgrep/<id>.yml`` has a sample ``tests/semgrep/<id>.py`` whose ``# ruleid:``
lines it must flag and whose ``# ok:`` lines it must leave alone (semgrep's --test layout).
semgrep's test mode does not look into hidden directories, so both are copied side by side
into a temporary directory first. Offline: no registry rules, no metrics.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / ".semgrep"
SAMPLES = ROOT / "tests" / "semgrep"
SEMGREP = shutil.which("semgrep") or str(Path(sys.executable).parent / "semgrep")


def test_every_rule_has_a_sample_and_the_other_way_round() -> None:
    rules = {p.stem for p in RULES.glob("*.yml")}
    samples = {p.stem for p in SAMPLES.glob("*.py")}
    assert rules, "no local semgrep rules found"
    assert rules == samples


@pytest.mark.skipif(not Path(SEMGREP).exists(), reason="semgrep is not installed")
def test_rules_flag_their_samples(tmp_path: Path) -> None:
    shutil.copytree(RULES, tmp_path / "rules")
    shutil.copytree(SAMPLES, tmp_path / "samples")
    done = subprocess.run(
        [SEMGREP, "--test", "--json", "--metrics=off", "--disable-version-check",
         "--config", "rules/", "samples/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert not report["config_with_errors"], report["config_with_errors"]
    assert not report["config_missing_tests"], report["config_missing_tests"]
    checks = {
        rule_id: check
        for result in report["results"].values()
        for rule_id, check in result["checks"].items()
    }
    assert set(checks) == {p.stem for p in RULES.glob("*.yml")}
    failed = {rule_id: check["matches"] for rule_id, check in checks.items() if not check["passed"]}
    assert not failed, failed
    assert done.returncode == 0, done.stderr[-2000:]
