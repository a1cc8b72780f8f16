"""Response schemas shared by every app's API router: the error shape of ``urikake.api``
(``{"error": {code, message, field?, line?, problems?}}``)."""

from __future__ import annotations

from ninja import Schema


class ProblemOut(Schema):
    code: str
    message: str
    field: str | None = None


class ErrorDetail(Schema):
    code: str
    message: str
    field: str | None = None
    line: int | None = None
    problems: list[ProblemOut] | None = None
    limit: int | None = None  # a refused amount: the limit it broke (yen)
    bound: str | None = None  # ... and which one: "min" or "max"


class ErrorOut(Schema):
    error: ErrorDetail
