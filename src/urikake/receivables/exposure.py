"""Exposure per debtor identity (与信残高), across every product.

Each product registers a *source* — a function from a debtor identity's id to the yen the
platform stands to lose on that debtor through the product — when its app is ready
(servicing: purchased positions; lending: pledged collateral; guarantees: guarantees in
force; bulk factoring can add its own). Readers ask :func:`exposure_of` and never import the
products: the receivables app sits below all of them (pyproject's layers), so the products
feed it rather than it reaching up to them.
"""

from __future__ import annotations

from collections.abc import Callable

from urikake.domain.guarantees import Exposure

ExposureSource = Callable[[int], int]

_SOURCES: dict[str, ExposureSource] = {}


def register_exposure_source(name: str, source: ExposureSource) -> None:
    """Add (or replace, on a reload) the source called ``name`` (a short label key)."""
    _SOURCES[name] = source


def exposure_sources() -> tuple[str, ...]:
    return tuple(_SOURCES)


def exposure_of(identity_id: int) -> Exposure:
    """What the platform stands to lose on the debtor identity, by source."""
    return Exposure({name: int(source(identity_id)) for name, source in _SOURCES.items()})
