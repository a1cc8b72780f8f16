"""Who and what a log line is about: the request id and user id of the request being served.

:class:`urikake.system.middleware.RequestContextMiddleware` sets them for the duration of a
request; :class:`RequestContextFilter` copies them onto every log record, so any line logged
while serving a request — by our code, Django or a library — can be joined to the request's
own summary line and to the proxy's log (``X-Request-ID``). Only the user's numeric id is
ever logged: never the e-mail address, the name or a credential.

No Django models here: logging is configured before the apps are loaded.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
user_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("user_id", default="")

# What we accept from a proxy or a client as a request id: short, no spaces or markup, so it
# cannot forge log lines or carry data. Anything else is replaced by a fresh id.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def accept_or_new_request_id(incoming: str | None) -> str:
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        if not getattr(record, "user_id", None):
            record.user_id = user_id_var.get()
        return True


class HideRequestPathFilter(logging.Filter):
    """Django's own lines about a response ("Not Found: /path", "Forbidden (CSRF …): /path")
    name the raw path and attach the request object, whose text is the path again. A path may
    carry a secret (password-reset and e-mail-confirmation keys), so both become the route
    name (``account_reset_password_from_key``) or ``unmatched``."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if request is None or path is None:
            return True
        match = getattr(request, "resolver_match", None)
        route = (match.view_name if match is not None else "") or "unmatched"
        if isinstance(record.args, tuple):
            record.args = tuple(route if arg == path else arg for arg in record.args)
        record.request = route
        return True


# Fields a line must never carry even if a caller passes them in ``extra`` (defence in depth:
# the request log never puts them there).
_FORBIDDEN_FIELDS = frozenset(
    {"password", "password1", "password2", "authorization", "cookie", "email", "token", "secret"}
)


class UrikakeJsonFormatter(JsonFormatter):
    """One JSON object per line: timestamp, level, logger, message and the request context."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault(
            "fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s"
        )
        kwargs.setdefault(
            "rename_fields", {"asctime": "timestamp", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("datefmt", "%Y-%m-%dT%H:%M:%S%z")
        kwargs.setdefault("json_ensure_ascii", False)  # Japanese messages stay readable
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def process_log_record(self, log_data: dict[str, object]) -> dict[str, object]:
        for key in list(log_data):
            if key.lower() in _FORBIDDEN_FIELDS:
                log_data[key] = "[redacted]"
        return super().process_log_record(log_data)
