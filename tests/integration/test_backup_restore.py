"""Backups: pg_dump → pg_restore into a fresh database → the audit chain verifies, the books
balance and every balance is the same (issue 14, item 6; the procedure is docs/operations.md).

PostgreSQL only. The demo is loaded into a database of its own (not the test database), with
its own VAR_DIR: the audit checkpoint key and the field-encryption key live there and are
part of the backup — the restored database is read with the same VAR_DIR.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.usefixtures("postgresql_only")


def _admin_url(name: str) -> str:
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    user = s.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{name}"


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", _admin_url("postgres"), "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True,
        capture_output=True,
    )


def _urikake(database: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": _admin_url(database), "URIKAKE_VAR_DIR": str(var_dir)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("urikake")), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_dump_and_restore_round_trip(tmp_path: Path) -> None:
    suffix = uuid.uuid4().hex[:8]
    source, restored = f"urikake_backup_src_{suffix}", f"urikake_backup_dst_{suffix}"
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    _psql(f"CREATE DATABASE {source}")
    _psql(f"CREATE DATABASE {restored}")
    try:
        for step in (("migrate", "-v0"), ("demo",)):
            done = _urikake(source, var_dir, *step)
            assert done.returncode == 0, done.stderr[-3000:]
        before = _urikake(source, var_dir, "ledger", "trial-balance")
        assert before.returncode == 0, before.stderr
        dump = tmp_path / "urikake.dump"
        subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), _admin_url(source)],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", _admin_url(restored), str(dump)],
            check=True,
            capture_output=True,
        )
        verify = _urikake(restored, var_dir, "audit", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        check = _urikake(restored, var_dir, "ledger", "check")
        assert check.returncode == 0, check.stdout + check.stderr
        after = _urikake(restored, var_dir, "ledger", "trial-balance")
        assert after.stdout == before.stdout
        assert "資本金" in after.stdout  # the demo's books are not empty …
        assert "貸借一致" in after.stdout  # … and balance
    finally:
        _psql(f"DROP DATABASE IF EXISTS {source} WITH (FORCE)")
        _psql(f"DROP DATABASE IF EXISTS {restored} WITH (FORCE)")
