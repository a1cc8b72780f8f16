"""A page's read built by the ORM once per process, then sent as SQL text with each call's values.

Use :mod:`urikake.accounts.fixed_reads` for the few small reads of every signed-in request (the
text written out by hand from the models' metadata); use this module for a page's heavier
reads — joins, subqueries, aggregates, window sums — whose text is hard to write by hand but
costs the ORM more CPU to build and compile on every call than the database needs to answer
it (benchmarks/README.md, "Reads compiled once").

:class:`CompiledRead` takes a function that builds the ``values_list`` QuerySet from its
parameters. On the first call in a thread and database, it builds the QuerySet with *marker*
values (distinct values of each parameter's kind that no real query uses), compiles it and
finds each marker among the compiled parameters. It keeps the SQL text, the compiler (for its
converters) and the position of each parameter; every later call executes that text with the
real values in those positions and converts the rows exactly as ``QuerySet.values_list`` does.

It is exact only when the ORM passes a value through to the database as the same object
whatever the value (so the text does not depend on it), which is why it refuses, when it
builds the read:

- a parameter of a kind not in :data:`KINDS` (``int``, ``str``, ``date``), and a call's value
  of another type than its kind (``None``, a ``bool`` for an ``int``, a ``datetime`` for a
  ``date``: the ORM would build other SQL or convert them);
- a marker the compiler did not hand over unchanged as one bound parameter (a marker wrapped by
  a lookup such as ``contains``, cast to another field's type, or written into the text as a
  ``LIMIT`` is not found, and the read is refused);
- any other bound parameter of a kind whose value might depend on the moment or the request
  (datetime, date, time, Decimal, float…): a builder must use its parameters for those, not
  ``timezone.now()`` read once at build time; and a read that does not come out the same when
  built twice from the same markers (on SQLite a datetime is bound as text, so this is what
  catches ``timezone.now()`` there);
- a QuerySet that is not a plain ``values_list`` (flat or not).

Constants of the builder (statuses, a limit) become part of the text, as in any ORM query.
Nothing is kept between calls but the text, the compiler and the parameter positions: every
call reads the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from itertools import chain
from typing import Any

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesListIterable
from django.db.models.sql import compiler as sql_compiler
from django.db.models.sql.constants import GET_ITERATOR_CHUNK_SIZE


def _as_is(_connection: BaseDatabaseWrapper, value: Any) -> Any:
    return value


def _date(connection: BaseDatabaseWrapper, value: Any) -> Any:
    return connection.ops.adapt_datefield_value(value)


#: kind → (the exact Python type of a value, how the ORM hands such a value to the driver for
#: a column of that kind, the markers). The markers are far from any real value: ids beyond a
#: billion (still a 32-bit integer, so no lookup treats them as out of range), strings no page
#: sends, days of the first century.
KINDS: dict[type, tuple[Callable[[BaseDatabaseWrapper, Any], Any], Callable[[int], Any]]] = {
    int: (_as_is, lambda i: 1_987_000_001 + i),
    str: (_as_is, lambda i: f"\x1ecompiled-read-marker-{i}\x1e"),
    date: (_date, lambda i: date(1, 1, 1 + i)),
}

#: Constant parameters allowed in the text (the kinds above may also be constants).
_CONSTANT_TYPES = (int, str, bool, type(None))


class CompiledReadRefused(Exception):
    """The QuerySet cannot be sent as text built once (see the module's docstring)."""


class _Compiled:
    def __init__(
        self, sql: str, params: list[Any], slots: list[tuple[int, str]], compiler: Any, flat: bool
    ) -> None:
        self.flat = flat
        self.sql = sql
        self.params = params
        self.slots = slots  # (position in params, parameter name)
        self.compiler = compiler
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.trim = compiler.col_count if compiler.has_extra_select else None


class CompiledRead:
    """``build(**params)`` → a ``values_list`` QuerySet, compiled once per thread and database.

    ``params`` names each parameter's kind (``int``, ``str`` or ``date``): ``CompiledRead(
    lambda org: Payout.objects.filter(organization_id=org).values_list("pk"), org=int)``.
    """

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **params: type) -> None:
        for name, kind in params.items():
            if kind not in KINDS:
                raise CompiledReadRefused(f"parameter {name!r}: no exact mapping for {kind!r}")
        self._build = build
        self._params = params
        self._local = threading.local()

    def _compile(self, using: str) -> _Compiled:
        connection = connections[using]
        markers: dict[str, Any] = {}
        for i, (name, kind) in enumerate(self._params.items()):
            markers[name] = KINDS[kind][1](i)
        queryset = self._build(**markers)
        flat = queryset._iterable_class is FlatValuesListIterable
        if queryset._iterable_class is not ValuesListIterable and not flat:
            raise CompiledReadRefused("only a values_list QuerySet can be compiled once")
        if getattr(queryset, "_prefetch_related_lookups", ()) or queryset._result_cache is not None:
            raise CompiledReadRefused("a prefetch or an evaluated QuerySet cannot be compiled once")
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, compiled_params = compiler.as_sql()
            # Built a second time from the same markers, the read must come out the same: a
            # value the builder takes from elsewhere (the clock, the language) would be kept.
            again = self._build(**markers).query.get_compiler(using=using).as_sql()
        except (EmptyResultSet, FullResultSet) as exc:  # the ORM would send no query
            raise CompiledReadRefused(f"the read compiles to no query: {exc!r}") from exc
        if again != (sql, compiled_params):
            raise CompiledReadRefused(
                "the read depends on something else than its parameters: "
                f"{compiled_params!r} then {again[1]!r}"
            )
        expected = {
            name: KINDS[self._params[name]][0](connection, marker)
            for name, marker in markers.items()
        }
        slots: list[tuple[int, str]] = []
        params: list[Any] = list(compiled_params)
        for position, param in enumerate(params):
            names = [
                name
                for name, value in expected.items()
                if type(param) is type(value) and param == value
            ]
            if names:
                slots.append((position, names[0]))
            elif not isinstance(param, _CONSTANT_TYPES):
                raise CompiledReadRefused(
                    f"constant parameter {param!r} of type {type(param).__name__}: pass it as a "
                    "parameter of the read"
                )
        for name, marker in markers.items():
            if name not in {slot_name for _position, slot_name in slots}:
                raise CompiledReadRefused(
                    f"parameter {name!r} is not passed through unchanged as a bound value"
                )
            if str(marker) in sql or str(expected[name]) in sql:
                raise CompiledReadRefused(f"parameter {name!r} is written into the SQL text")
        return _Compiled(sql, params, slots, compiler, flat)

    def rows(self, using: str = "default", **values: Any) -> list[Any]:
        """The rows ``build(**values)`` would return (tuples, or values when flat)."""
        if values.keys() != self._params.keys():
            raise TypeError(f"expected the parameters {sorted(self._params)}")
        cache: dict[str, _Compiled] | None = getattr(self._local, "compiled", None)
        if cache is None:
            cache = self._local.compiled = {}
        compiled = cache.get(using)
        if compiled is None:
            compiled = cache[using] = self._compile(using)
        connection = connections[using]
        params = list(compiled.params)
        for position, name in compiled.slots:
            value = values[name]
            kind = self._params[name]
            if type(value) is not kind:
                raise TypeError(f"parameter {name!r}: a {kind.__name__}, not {value!r}")
            params[position] = KINDS[kind][0](connection, value)
        # Fetched as the compiler's execute_sql fetches (in blocks, the cursor closed after
        # the last, the columns beyond col_count dropped).
        cursor = connection.cursor()
        try:
            cursor.execute(compiled.sql, params)
        except BaseException:
            cursor.close()
            raise
        blocks = list(
            sql_compiler.cursor_iter(
                cursor,
                connection.features.empty_fetchmany_value,
                compiled.trim,
                GET_ITERATOR_CHUNK_SIZE,
            )
        )
        rows: Any = chain.from_iterable(blocks)
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        if compiled.flat:
            return [row[0] for row in rows]
        return [tuple(row) for row in rows]
