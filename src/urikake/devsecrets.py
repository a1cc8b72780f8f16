"""Development-only secrets, generated once into ``./var/`` and reused afterwards.

Production configures every secret from the environment; in development the platform makes
its own (Django's SECRET_KEY, the audit signing key, the field-encryption key) so that
``make run`` needs no configuration. Plain Python: ``settings.py`` imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The secret stored at ``path``, created with ``make()`` (mode 0600) if missing.

    ``O_EXCL`` makes creation atomic: when the web app and the worker start at the same
    moment, one writes the file and the other reads that same secret.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(make())
    return path.read_bytes()


def pem_blocks(bundle: bytes) -> list[bytes]:
    """The PEM blocks (``-----BEGIN …-----`` … ``-----END …-----``) of a bundle, in order."""
    marker = b"-----END "
    blocks = []
    for part in bundle.split(marker)[:-1]:
        start = part.index(b"-----BEGIN ")
        label = part[start + 11 : part.index(b"-----", start + 11)]
        blocks.append(part[start:] + marker + label + b"-----\n")
    return blocks
