"""``{% layout_fragment %}``: the base layout's fixed pieces rendered once per process.

The header, navigation and footer of ``web/base.html`` are the same characters on every page
for one language and one kind of visitor (signed out, customer, staff): links reversed, labels
translated, static file addresses looked up. Rendering them took about 1.5 ms of a 8–40 ms
page (benchmarks/README.md, "The layout's fixed pieces"). This tag renders its contents the
first time and then returns the stored string. The key is the fragment's name and template,
the values given to the tag (``user.is_staff`` …), the active language, the URLconf, the
script prefix and the current app (what ``{% url %}`` depends on), so a visitor of another
kind or language gets its own piece.

Only what is the same for everyone of that key may go inside: the per-request parts (the
CSRF token, the unread notices, the page's own address, messages) stay between fragments —
a ``{% csrf_token %}`` inside one is refused when the template is compiled. Nothing inside
comes from the database, so no write changes a piece; the store is emptied when a setting
changes (tests) and holds at most a few hundred short strings.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.template import defaulttags
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

_MAX = 2048  # distinct pieces kept; far above names × languages × visitor kinds × apps
_pieces: dict[tuple[Any, ...], SafeString] = {}


class LayoutFragmentNode(template.Node):
    def __init__(self, name: str, keys: list[FilterExpression], nodelist: NodeList) -> None:
        self.name = name
        self.keys = keys
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        request = getattr(context, "request", None)
        match = getattr(request, "resolver_match", None)
        key = (
            self.name,
            self.origin.name,
            tuple(bool(k.resolve(context)) for k in self.keys),
            get_language(),
            get_urlconf(),
            get_script_prefix(),
            getattr(request, "current_app", None) or getattr(match, "namespace", None),
            context.autoescape,
        )
        piece = _pieces.get(key)
        if piece is None:
            piece = self.nodelist.render(context)  # a SafeString: the engine escaped it
            if len(_pieces) >= _MAX:
                _pieces.clear()
            _pieces[key] = piece
        return piece


@register.tag
def layout_fragment(parser: Parser, token: Token) -> LayoutFragmentNode:
    """``{% layout_fragment "name" key … %}…{% endlayout_fragment %}``; keys are read as bools."""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("layout_fragment needs a quoted name first")
    nodelist = parser.parse(("endlayout_fragment",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(defaulttags.CsrfTokenNode):
        raise template.TemplateSyntaxError(
            "layout_fragment cannot hold {% csrf_token %}: the token is per visitor"
        )
    keys = [parser.compile_filter(bit) for bit in bits[2:]]
    return LayoutFragmentNode(bits[1][1:-1], keys, nodelist)


def clear() -> None:
    _pieces.clear()


def _setting_changed(**_kwargs: Any) -> None:
    clear()


setting_changed.connect(_setting_changed, dispatch_uid="urikake.web.layout_fragment")
