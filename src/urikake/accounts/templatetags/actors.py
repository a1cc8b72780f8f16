"""``{{ record.actor|actor_name }}``: an audit actor as a person reads it (staff pages)."""

from __future__ import annotations

from django import template

from urikake.accounts import labels

register = template.Library()


@register.filter
def actor_name(label: str) -> str:
    return labels.actor_name(label)


@register.filter
def user_name(user: object) -> str:
    return labels.user_name(user)  # type: ignore[arg-type]


@register.filter
def action_name(action: str) -> str:
    return labels.action_name(action)


@register.filter
def object_type_name(object_type: str) -> str:
    return labels.object_type_name(object_type)
