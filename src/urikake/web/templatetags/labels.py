"""Labels for codes the domain core names in Japanese (pure Python, no gettext there):
``{{ app.status|application_status }}`` shows 「入金済み」 in Japanese and "Funded" in English.

The domain's Japanese label is the message id; the English text lives in the web app's
catalog. A value the domain does not know shows as 「—」, never as the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django import template
from django.utils.translation import get_language, gettext

from urikake.domain.applications import ApplicationStatus

register = template.Library()


@register.filter
def application_status(value: object) -> str:
    try:
        status = ApplicationStatus(str(value))
    except ValueError:
        return "—"
    return gettext(status.label)


@register.filter
def translated(value: object) -> str:
    """A Japanese label computed in the domain core, in the reader's language."""
    return gettext(str(value)) if value not in (None, "") else "—"


@register.filter
def fee_note(line: Mapping[str, Any]) -> str:
    """A fee line's note (``urikake.domain.screening.FeeLine``) in the reader's language: its
    message id filled with its values (dates written the reader's way); an offer stored
    before notes had ids shows its Japanese note through the catalog, as before."""
    note_id = line.get("note_id") or ""
    if not note_id:
        return translated(line.get("note") or "")
    english = (get_language() or "ja").startswith("en")
    values: dict[str, Any] = {}
    for name, value in dict(line.get("note_params") or {}).items():
        if name.endswith("_date"):
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                values[name] = value
                continue
            values[name] = day.strftime("%d %b %Y") if english else f"{day:%Y年%m月%d日}"
        else:
            values[name] = value
    try:
        return gettext(note_id) % values
    except (KeyError, TypeError, ValueError):
        return str(line.get("note") or "")
