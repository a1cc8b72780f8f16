"""``{% url %}`` that remembers its answers (a template builtin: settings.TEMPLATES).

Django's ``reverse()`` costs 45–130 µs of CPU a call on the 2-core machine, and a page of the
site reverses 20–50 URLs (the header, the footer, a link per row): a few milliseconds of a
10–30 ms page (benchmarks/README.md, "Where a request's CPU goes"). The answer depends only
on the view name, the arguments, the current app, the URLconf, the script prefix and the
language, so this tag — Django's own ``url`` tag otherwise, same syntax and errors — keeps it
per process for plain arguments (strings and ints: ids, slugs), keyed by all of these. Any
other argument (a model, a lazy string, a bool) goes through Django's tag unchanged. The cache is
emptied when the URLconf setting changes (tests).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.template import defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=4096)
def _reverse(
    view_name: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    current_app: str | None,
    urlconf: str | None,
    root_urlconf: str,
    script_prefix: str,
    language: str | None,
) -> str:
    # root_urlconf, script_prefix and language are part of the key only: reverse() reads them
    return reverse(
        view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app
    )


def _plain(value: object) -> bool:
    # a string (a template's literals are SafeStrings) or exactly an int (not a bool); a lazy
    # string, a model or anything else is not a key
    return isinstance(value, str) or type(value) is int


def _key(value: str | int) -> str | int:
    return str(value) if isinstance(value, str) else value


class CachedURLNode(defaulttags.URLNode):
    def render(self, context: Any) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        if not (
            isinstance(view_name, str)
            and (current_app is None or isinstance(current_app, str))
            and all(_plain(a) for a in args)
            and all(_plain(v) for v in kwargs.values())
        ):
            rendered: str = super().render(context)
            return rendered
        url = ""
        try:
            url = _reverse(
                str(view_name),
                tuple(_key(a) for a in args),
                tuple(sorted((k, _key(v)) for k, v in kwargs.items())),
                None if current_app is None else str(current_app),
                get_urlconf(),
                settings.ROOT_URLCONF,
                get_script_prefix(),
                get_language(),
            )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> CachedURLNode:
    node = defaulttags.url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)


def _urlconf_changed(*, setting: str, **_kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()


setting_changed.connect(_urlconf_changed, dispatch_uid="urikake.web.url_cache")
