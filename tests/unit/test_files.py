"""The atomic file writer: the old file or the whole new one, never half of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from urikake.files import atomic_text, write_atomically


def test_write_replaces_the_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "transfer.txt"
    target.write_bytes(b"old")
    write_atomically(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [p.name for p in tmp_path.iterdir()] == ["transfer.txt"]  # no temporary left


def test_a_failure_half_way_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "matches.csv"
    target.write_bytes(b"old\r\n")
    with pytest.raises(RuntimeError), atomic_text(target) as fh:
        fh.write("half of the new ")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"old\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["matches.csv"]


def test_text_mode_keeps_the_line_endings_it_is_given(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with atomic_text(target) as fh:
        fh.write("a,b\r\n")
    assert target.read_bytes() == b"a,b\r\n"
