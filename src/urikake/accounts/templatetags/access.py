"""``{% load access %}``: ``user|can:"treasury.manage"`` — show a link only to those who may
follow it (the view's ``@staff`` rule still decides; this only avoids offering a 403)."""

from __future__ import annotations

from typing import Any

from django import template

from urikake.accounts.access import has_capability
from urikake.accounts.roles import Capability

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    return has_capability(user, Capability(capability))
