"""Fault injection for the fault tests: pause a process at a named checkpoint.

The fault tests (``tests/integration/test_fault_worker_killed.py``) must kill a worker at an
exact moment — inside a task, after some of its effect is written and before the rest — and
a race with a timer would make them flaky. So the code calls :func:`checkpoint` at the
moments worth testing, and a process started with ``URIKAKE_FAULT_PAUSE_AT=<name>`` stops
there: it writes its pid to the file named by ``URIKAKE_FAULT_MARKER`` (so the test knows it
has arrived) and sleeps until it is killed. Without the variable a checkpoint is one
dictionary look-up and does nothing; production never sets it (docs/operations.md).

Pure Python (no Django): the domain and every app may call it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "URIKAKE_FAULT_PAUSE_AT"
MARKER = "URIKAKE_FAULT_MARKER"


def checkpoint(name: str) -> None:
    """Pause here for ever when this process was told to (``URIKAKE_FAULT_PAUSE_AT=name``)."""
    if os.environ.get(PAUSE_AT) != name:
        return
    marker = os.environ.get(MARKER)
    if marker:
        Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:  # the test kills this process with SIGKILL while it sleeps here
        time.sleep(3600)
