"""The one atomic file writer: a file we write is either the old one or the whole new one.

For files people hand on (全銀 transfer files to the bank, reconciliation results): a crash,
a full disk or an exception half-way never leaves a half-written file under the real name.
The data goes to a temporary file beside the target, is flushed to disk, renamed over the
target, and the directory entry is flushed too (the rename must survive a power cut).
Plain Python: no Django.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO


@contextmanager
def atomic_open(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file to write in place of ``path``: it replaces ``path`` when the block ends
    without an exception, and is removed if the block raises."""
    with _replacing(path) as fd, os.fdopen(fd, "wb") as fh:
        yield fh
        _flush(fh)


@contextmanager
def atomic_text(path: str | Path, *, encoding: str = "utf-8") -> Iterator[TextIO]:
    """The same for text, written as given (``newline=""``: CSV writers choose their line
    endings)."""
    with _replacing(path) as fd, os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
        yield fh
        _flush(fh)


@contextmanager
def _replacing(path: str | Path) -> Iterator[int]:
    target = Path(path).resolve()
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        yield fd
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(target.parent)


def _flush(fh: IO[Any]) -> None:
    fh.flush()
    os.fsync(fh.fileno())


def write_atomically(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path) as fh:
        fh.write(data)


def _fsync_directory(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
