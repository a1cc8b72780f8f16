"""Labels for codes the domain core names in Japanese (pure Python, no gettext there):
``{{ app.status|application_status }}`` shows 「入金済み」 in Japanese and "Funded" in English.

The domain's Japanese label is the message id; the English text lives in the web app's
catalog. A value the domain does not know shows as 「—」, never as the code.
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

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
