"""Schemas shared by every app's API router: the error shape of ``urikake.api``
(``{"error": {code, message, field?, line?, problems?}}``) and the bounded integers every
parameter and body field uses, so an out-of-range number is a 422 naming the field and the
bound, never a database overflow (a 500).

* :data:`Id` — a row id in a path or query (1 … :data:`DB_INT_MAX`);
* :data:`StrictId` — the same in a JSON body (a JSON integer, not "12");
* :data:`Yen` — a yen amount in a JSON body (0 … :data:`YEN_MAX`); the configurable invoice
  face limit (``settings.RECEIVABLES_MAX_INVOICE_YEN``) is checked by the service;
* :data:`PageLimit`, :data:`Offset` — paging parameters.
"""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field, StrictInt

#: The largest integer a database integer column holds (PostgreSQL bigint, SQLite INTEGER).
DB_INT_MAX = 2**63 - 1
#: The largest yen amount any API body may carry (¥1,000兆, far above any real deal and far
#: below the database's limit); business limits are narrower and checked by the services.
YEN_MAX = 10**15

Id = Annotated[int, Field(ge=1, le=DB_INT_MAX)]
StrictId = Annotated[StrictInt, Field(ge=1, le=DB_INT_MAX)]
Yen = Annotated[StrictInt, Field(ge=0, le=YEN_MAX)]
#: Paging: at most 500 rows a page, and an offset no list will reach.
MAX_PAGE = 500
MAX_OFFSET = 10_000_000
PageLimit = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]


class ProblemOut(Schema):
    code: str
    message: str
    field: str | None = None
    limit: int | None = None  # the bound a number or list broke (request.too_large, ...)


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    line: int | None = None
    problems: list[ProblemOut] | None = None


class ErrorOut(Schema):
    error: ErrorDetail
