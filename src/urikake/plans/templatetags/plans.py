"""Template helpers of the plans app: rates as percentages, and the client's credit line
card for my page (``{% credit_line_card organization %}``) — a template tag, so the
applicants app shows it without importing this app."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import translation

from urikake.domain.credit_lines import reason_in_english
from urikake.domain.money import format_rate_percent
from urikake.plans import services

register = template.Library()


@register.filter
def percent(value: object) -> str:
    """``Decimal("0.038")`` → ``"3.8%"`` (HALF_UP to 0.1%, as shown to people)."""
    if not isinstance(value, Decimal):
        return ""
    return format_rate_percent(value)


@register.filter
def line_reason(change: Any) -> str:
    """A credit-line change's reason in the page's language: English from its code and params
    when the page is English and the reason was the platform's (a reviewer's words, and
    changes stored before params were kept, are shown as written)."""
    if (translation.get_language() or "ja").startswith("en"):
        english = reason_in_english(change.code, change.params or {})
        if english is not None:
            return english
    return str(change.reason)


@register.inclusion_tag("plans/_credit_line_card.html")
def credit_line_card(organization: Any) -> dict[str, Any]:
    line = services.credit_line_shown(organization) if organization is not None else None
    changes = list(line.changes.order_by("-created_at", "-pk")[:5]) if line else []
    # The current reason is the latest change's (the line keeps its Japanese text too).
    return {"line": line, "changes": changes, "current": changes[0] if changes else None}
