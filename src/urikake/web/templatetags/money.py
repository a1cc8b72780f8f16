"""``{{ amount|yen }}`` — yen as people read them (¥1,234 / -¥1,000), one formatter for all
pages (the domain's ``format_yen``)."""

from __future__ import annotations

from django import template

from urikake.domain.money import format_yen

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
