"""``urikake securitize``: the documented JSON, bad input, and Dask giving identical results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from urikake.domain.securitization.montecarlo import simulate
from urikake.domain.securitization.pool import cells_of, parse_pool_csv
from urikake.securitization.distributed import dask_mapper

HEADER = "receivable_id,debtor_id,amount,pd,lgd,months\n"


def _pool_text(n: int = 2000, seed: int = 4) -> str:
    rng = np.random.default_rng(seed)
    grades = [0.004, 0.01, 0.025, 0.06]
    lines = [
        f"R{i},D{i % 150},{int(rng.integers(50_000, 5_000_000))},{grades[i % 4]},"
        f"{[0.45, 0.6, 1.0][i % 3]},{1 + int(rng.integers(0, 6))}\n"
        for i in range(n)
    ]
    return HEADER + "".join(lines)


def _run(path: Path, *extra: str) -> dict:
    out = StringIO()
    call_command(
        "securitize",
        str(path),
        "--senior",
        "0.8",
        "--mezzanine",
        "0.1",
        "--scenarios",
        "3000",
        "--correlation",
        "0.15",
        "--seed",
        "1",
        *extra,
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_json_document(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(_pool_text())
    doc = _run(pool)
    assert 0 < doc["pool"]["expected_loss"] < 0.05
    q = doc["pool"]["loss_quantiles"]
    assert list(q) == ["0.99", "0.999"]
    assert doc["pool"]["expected_loss"] < q["0.99"] < q["0.999"] < 1
    names = [t["name"] for t in doc["tranches"]]
    assert names == ["senior", "mezzanine", "subordinated"]
    for t in doc["tranches"]:
        assert set(t) >= {"name", "attachment", "detachment", "expected_loss", "pd"}
        assert 0 <= t["expected_loss"] <= 1
    senior, mezz, sub = doc["tranches"]
    assert (senior["attachment"], senior["detachment"]) == (0.2, 1.0)
    assert (mezz["attachment"], mezz["detachment"]) == (0.1, 0.2)
    assert sub["expected_loss"] > mezz["expected_loss"] > senior["expected_loss"]
    analytic = _run(pool, "--method", "analytic")
    # the large-pool answer has the same expected loss (granularity only widens the tails)
    assert analytic["pool"]["expected_loss"] == pytest.approx(
        doc["pool"]["expected_loss"], abs=4 * doc["pool"]["expected_loss_standard_error"]
    )
    assert _run(pool) == doc  # same seed, same answer


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("receivable_id,debtor_id,amount,pd,months\nR1,D1,100,0.1,1\n", "1行目"),
        (HEADER + "R1,D1,100,0.1,0.5,1\nR2,D1,100,1.2,0.5,1\n", "3行目"),
        (HEADER + "R1,D1,-100,0.1,0.5,1\n", "2行目"),
        (HEADER + "R1,D1,100,x,0.5,1\n", "2行目"),
    ],
)
def test_bad_input_names_the_line_and_prints_nothing(tmp_path, text, where):
    pool = tmp_path / "pool.csv"
    pool.write_text(text)
    out = StringIO()
    with pytest.raises(CommandError, match=where):
        call_command("securitize", str(pool), "--senior", "0.8", "--json", stdout=out)
    assert out.getvalue() == ""


def test_bad_input_exits_non_zero_from_the_shell(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(HEADER + "R1,D1,100,1.5,0.5,1\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "urikake.settings"}
    proc = subprocess.run(
        [sys.executable, "-m", "urikake", "securitize", str(pool), "--senior", "0.8", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "2行目" in proc.stderr
    assert "pd" in proc.stderr


@pytest.mark.parametrize("workers", [2, 3])
def test_dask_gives_identical_results_whatever_the_worker_count(workers):
    from distributed import Client, LocalCluster

    cells = cells_of(parse_pool_csv(_pool_text(1500)))
    local = simulate(cells, rho=0.15, scenarios=4500, seed=9)
    with (
        LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        dask_mapper(client, cells) as (mapper, ref),
    ):
        assert len(client.scheduler_info()["workers"]) == workers
        remote = simulate(cells, rho=0.15, scenarios=4500, seed=9, mapper=mapper, cells_ref=ref)
    assert remote.shards == 5
    assert np.array_equal(local.loss, remote.loss)
    assert np.array_equal(local.weight, remote.weight)
    assert np.array_equal(local.defaults, remote.defaults)


def test_cli_dask_address_matches_in_process(tmp_path):
    from distributed import LocalCluster

    pool = tmp_path / "pool.csv"
    pool.write_text(_pool_text(800))
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = _run(pool, "--dask", cluster.scheduler_address)
    assert remote == _run(pool)


def _run_with_stderr(args: list[str], *, tty: bool) -> tuple[int, str, str]:
    import pty

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "urikake.settings"}
    if not tty:
        proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            args, stdout=subprocess.PIPE, stderr=slave, env=env, check=False, text=True
        )
    finally:
        os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.returncode, proc.stdout, b"".join(chunks).decode(errors="replace")


def test_progress_bar_only_on_a_terminal(tmp_path):
    pool = tmp_path / "pool.csv"
    pool.write_text(_pool_text(300))
    args = [sys.executable, "-m", "urikake", "securitize", str(pool), "--senior", "0.8"]
    args += ["--scenarios", "3000", "--json"]
    code, out, err = _run_with_stderr(args, tty=True)
    assert code == 0
    assert "scenarios" in err  # tqdm, one tick per shard
    assert "3/3" in err
    assert json.loads(out)["scenarios"] == 3000
    code, out, err = _run_with_stderr(args, tty=False)
    assert code == 0
    assert "3/3" not in err
    assert json.loads(out)["scenarios"] == 3000


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--senior", "1.5"], "優先部分"),
        (["--senior", "0.8", "--mezzanine", "0.5"], "メザニン"),
        (["--senior", "0.8", "--correlation", "1.2"], "資産相関"),
        (["--senior", "0.8", "--scenarios", "0"], "シナリオ数"),
    ],
)
def test_bad_options_are_refused_clearly(tmp_path, extra, message):
    pool = tmp_path / "pool.csv"
    pool.write_text(_pool_text(50))
    out = StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("securitize", str(pool), *extra, "--json", stdout=out)
    assert out.getvalue() == ""
