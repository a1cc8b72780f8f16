"""urikake.web.url_resolve: the root URLconf remembers which view a path goes to."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

from urikake.web.url_resolve import RememberingResolver


def _remembering() -> RememberingResolver:
    (wrapper,) = get_resolver().url_patterns
    assert isinstance(wrapper, RememberingResolver)
    return wrapper


def test_a_path_is_resolved_once_and_each_request_gets_its_own_match() -> None:
    path = reverse("healthz")
    first = resolve(path)
    assert path.lstrip("/") in _remembering()._matches
    second = resolve(path)
    assert second.view_name == first.view_name == "healthz"
    assert second is not first
    assert second.kwargs is not first.kwargs


def test_arguments_come_from_the_path_and_stay_per_request() -> None:
    first = resolve("/backoffice/screening/12/")
    first.kwargs["pk"] = -1  # a middleware mutating its request's kwargs
    again = resolve("/backoffice/screening/12/")
    other = resolve("/backoffice/screening/13/")
    assert list(again.kwargs.values()) == [12]
    assert list(other.kwargs.values()) == [13]
    assert again.func is other.func


def test_an_unknown_path_is_not_remembered() -> None:
    with pytest.raises(Resolver404):
        resolve("/no-such-page/")
    assert "no-such-page/" not in _remembering()._matches
