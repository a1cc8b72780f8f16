"""SQLite support for the ledger's append-only triggers (migration 0002).

The SQLite DELETE triggers ask ``urikake_ledger_flushing()`` whether Django's ``flush`` is
emptying the whole database — the only time ledger rows may disappear, as TRUNCATE does on
PostgreSQL. The function is registered on every new SQLite connection, and the connection's
``execute_sql_flush`` is wrapped to answer 1 while it runs (in this thread only).
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any

_flushing: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "urikake_ledger_flushing", default=False
)


def _is_flushing() -> int:
    return 1 if _flushing.get() else 0


def on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: install the function and the flush wrapper."""
    if connection.vendor != "sqlite":
        return
    # deterministic=False: SQLite must call it for every statement, not fold it to a constant.
    connection.connection.create_function(
        "urikake_ledger_flushing", 0, _is_flushing, deterministic=False
    )
    ops = connection.ops
    if getattr(ops, "_urikake_ledger_wrapped", False):
        return
    original = ops.execute_sql_flush

    @functools.wraps(original)
    def execute_sql_flush(sql_list: list[str]) -> None:
        token = _flushing.set(True)
        try:
            original(sql_list)
        finally:
            _flushing.reset(token)

    ops.execute_sql_flush = execute_sql_flush
    ops._urikake_ledger_wrapped = True
