"""``{{ amount|yen }}`` — yen as people read them (¥1,234 / -¥1,000), one formatter for all
pages (the domain's ``format_yen``); ``{{ rate|percent }}`` — a rate as a percentage."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from urikake.domain.money import format_rate_percent, format_yen

register = template.Library()


@register.filter
def yen(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value))
        except ValueError:
            return str(value)
    return format_yen(value)


@register.filter
def percent(value: object, places: int = 2) -> str:
    """A rate stored as exact decimal text (``"0.0125"``) shown as ``1.25%``."""
    if value is None or value == "":
        return "—"
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_rate_percent(rate, places)
