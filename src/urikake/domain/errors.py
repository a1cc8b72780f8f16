"""The one error type the domain core raises for bad input.

Every parser and validator in ``urikake.domain`` raises :class:`DomainError` (or a subclass)
with a stable machine-readable ``code`` (for the JSON API), a Japanese ``message`` (for
people) and, where it helps, the ``field`` and ``line`` the problem was found in. The web
layer turns these into form errors or structured JSON without re-wording them.

Pages read in English show :meth:`DomainError.message_for`: the English of the code from
:mod:`urikake.domain.errors_en`, filled in with the error's ``params`` (the values its Japanese
message was built from).
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(ValueError):
    """Bad input to the domain core: a clear Japanese message plus a stable code."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        line: int | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.line = line
        # The values the message was built from (for the English text of the same error).
        self.params = dict(params or {})

    def message_for(self, language: str | None) -> str:
        """The message in ``language`` (Japanese unless English is asked for and known)."""
        if (language or "").startswith("en"):
            from urikake.domain.errors_en import english

            text = english(self.code, self.params)
            if text is not None:
                return text
        return self.message

    def as_dict(self) -> dict[str, str | int]:
        """The structured form used in API error bodies."""
        out: dict[str, str | int] = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"{self.line}行目")
        if self.field is not None:
            where.append(self.field)
        prefix = f"[{' '.join(where)}] " if where else ""
        return f"{prefix}{self.message}"
