"""The few reads every signed-in request makes, sent as SQL text instead of built by the ORM.

Each signed-in request reads the same handful of facts — the session, the user, the active
membership and its organisation, the latest consent, MFA for staff, the unread count of the
header's bell — and the ORM spends more CPU building each of these small SELECTs than the
database spends answering it (about 0.4–1 ms per query against ~0.1 ms sent directly;
benchmarks/README.md, "The fixed cost of a signed-in request"). The text of such a read is
made once per process and database vendor from the models' metadata (table and column names
quoted by the backend), and its rows become model instances as the ORM makes them: the
backend's and the fields' converters applied, then ``Model.from_db``. Every value still goes
as a bound parameter, and every call reads the database: nothing here is kept between
requests but the text of the query.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)

_Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns:
    """All concrete columns of ``model`` under the table alias ``alias``, in field order."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.alias = alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]
        self._converters: dict[str, list[tuple[Any, list[_Converter]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def select(self, connection: BaseDatabaseWrapper) -> str:
        """``"alias"."column", …`` for a SELECT list (identifiers quoted by the backend)."""
        qn = connection.ops.quote_name
        return ", ".join(f"{qn(self.alias)}.{qn(field.column)}" for field in self.fields)

    def table(self, connection: BaseDatabaseWrapper) -> str:
        """``"table" "alias"`` for a FROM or JOIN clause."""
        qn = connection.ops.quote_name
        return f"{qn(self.model._meta.db_table)} {qn(self.alias)}"

    def instance(self, connection: BaseDatabaseWrapper, values: Sequence[Any]) -> Any:
        """The model instance the ORM would make of these column values."""
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = []
            for field in self.fields:
                column = field.get_col(self.alias)
                chain = connection.ops.get_db_converters(column)
                converters.append((column, chain + column.get_db_converters(connection)))
            self._converters[connection.alias] = converters
        if len(values) != len(converters):
            raise ValueError(f"{len(values)} values for {len(converters)} columns")
        row = list(values)
        for i, (column, chain) in enumerate(converters):
            for converter in chain:
                row[i] = converter(row[i], column, connection)
        return self.model.from_db(connection.alias, self.attnames, row)


def column_value(connection: BaseDatabaseWrapper, field: Any, value: Any) -> Any:
    """A value read for ``field`` (also an aggregate of it) as the ORM would give it."""
    column = field.get_col(field.model._meta.db_table)
    for converter in connection.ops.get_db_converters(column) + field.get_db_converters(connection):
        value = converter(value, column, connection)
    return value


class SqlText:
    """The text of one read, made once per database vendor by ``build``."""

    def __init__(self, build: Callable[[BaseDatabaseWrapper], str]) -> None:
        self._build = build
        self._texts: dict[str, str] = {}

    def __call__(self, connection: BaseDatabaseWrapper) -> str:
        text = self._texts.get(connection.vendor)
        if text is None:
            text = self._texts[connection.vendor] = self._build(connection)
        return text


class ByPrimaryKey:
    """``Model.objects.get(pk=…)`` as SQL text built once (``DoesNotExist`` when missing)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.columns = Columns(model, "t")
        self._text = SqlText(self._sql)

    def _sql(self, db: BaseDatabaseWrapper) -> str:
        qn = db.ops.quote_name
        pk = qn(self.model._meta.pk.column)
        return (
            f"SELECT {self.columns.select(db)} FROM {self.columns.table(db)} "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
            f"WHERE {qn('t')}.{pk} = %s"
        )

    def get(self, connection: BaseDatabaseWrapper, pk: Any) -> Any:
        value = self.model._meta.pk.get_db_prep_value(pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(self._text(connection), [value])
            row = cursor.fetchone()
        if row is None:
            raise self.model.DoesNotExist(  # type: ignore[attr-defined]
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return self.columns.instance(connection, row)
