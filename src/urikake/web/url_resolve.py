"""The site's URL patterns behind one resolver that remembers which view a path goes to.

Django finds a request's view by trying the patterns in order, include by include: for an API
path that is ~30 resolvers and ~60 patterns tried, about a tenth of the CPU of a small
signed-in request (benchmarks/README.md, "The fixed cost of a signed-in request"). The answer
depends only on the path (the site has no language-prefixed patterns and the patterns do not
change while a process runs), so :class:`RememberingResolver` keeps the match of each path it
resolved. Django's root resolver still wraps every answer in a new ``ResolverMatch`` with its
own argument dicts, so no request sees another's. Only matches are kept (a 404 is tried again
every time), and at most ``MAX_PATHS`` of them: paths with ids in them are many; the store
is emptied when full.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLResolver
from django.urls.resolvers import ResolverMatch, RoutePattern

MAX_PATHS = 4096


class RememberingResolver(URLResolver):
    def __init__(self, patterns: list[Any]) -> None:
        # like path("", include(patterns)): no prefix, no namespace
        super().__init__(RoutePattern("", is_endpoint=False), patterns)
        self._matches: dict[str, ResolverMatch] = {}

    def resolve(self, path: Any) -> ResolverMatch:
        path = str(path)
        match = self._matches.get(path)
        if match is None:
            match = super().resolve(path)  # Resolver404 is raised, not kept
            if len(self._matches) >= MAX_PATHS:
                self._matches.clear()
            self._matches[path] = match
        return match


def remembering(patterns: list[Any]) -> list[Any]:
    """``urlpatterns = remembering([...])``"""
    return [RememberingResolver(patterns)]
