"""Running the Monte Carlo's shards on a Dask distributed cluster.

The engine (:func:`urikake.domain.securitization.montecarlo.simulate`) takes any ``mapper``;
here it is a Dask client's ``map`` + ``gather``, which returns the shards in submission
order. Shard seeds and sizes do not depend on the cluster, so the result is identical to the
in-process run whatever the number of workers. The pool's cells are scattered to the
workers once (``broadcast=True``) and every shard task gets a handle to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from urikake.domain.securitization.pool import Cells

Mapper = Callable[..., Iterable[Any]]


@contextmanager
def dask_mapper(
    address: Any, cells: Cells, *, progress: Callable[[int], None] | None = None
) -> Iterator[tuple[Mapper, Any]]:
    """``(mapper, cells_ref)`` for a scheduler at ``address`` (or a ``Client`` instance)."""
    from distributed import Client, as_completed  # imported only when asked for

    own = isinstance(address, str)
    client = (
        Client(address, set_as_default=False, timeout=10)  # type: ignore[no-untyped-call]
        if own
        else address
    )
    try:
        ref = client.scatter(cells, broadcast=True)

        def mapper(fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
            futures = client.map(fn, *[list(it) for it in iterables], pure=False)
            if progress is not None:
                for _ in as_completed(futures):  # type: ignore[no-untyped-call]
                    progress(1)
            return list(client.gather(futures))

        yield mapper, ref
    finally:
        if own:
            client.close()
