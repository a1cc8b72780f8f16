"""The site's ``{% url %}`` (urikake.web.url_cache) answers exactly as Django's and remembers
only what cannot change: the same name and arguments in another language, script prefix or
URLconf are reversed again."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, reverse, set_script_prefix
from django.utils import translation

from urikake.web import url_cache


def _render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_the_tag_is_the_sites_url_tag_and_answers_as_reverse() -> None:
    url_cache._reverse.cache_clear()
    assert _render("{% url 'web:faq' %}") == reverse("web:faq")
    assert _render("{% url 'receivables:application' pk %}", pk=7) == reverse(
        "receivables:application", args=[7]
    )
    assert _render("{% url 'receivables:application' pk=pk %}", pk=8) == reverse(
        "receivables:application", kwargs={"pk": 8}
    )
    assert _render("{% url 'web:faq' as faq %}[{{ faq }}]") == f"[{reverse('web:faq')}]"
    # the second time comes from the cache
    hits = url_cache._reverse.cache_info().hits
    assert _render("{% url 'receivables:application' pk %}", pk=7).endswith("/7/")
    assert url_cache._reverse.cache_info().hits == hits + 1


def test_other_arguments_go_through_djangos_tag() -> None:
    url_cache._reverse.cache_clear()
    assert _render("{% url 'receivables:application' pk %}", pk=Decimal(5)) == reverse(
        "receivables:application", args=[5]
    )
    assert url_cache._reverse.cache_info().currsize == 0


def test_a_missing_route_still_fails_and_as_var_stays_empty() -> None:
    with pytest.raises(NoReverseMatch):
        _render("{% url 'web:no_such_page' %}")
    assert _render("{% url 'web:no_such_page' as x %}[{{ x }}]") == "[]"


def test_the_script_prefix_and_the_language_are_part_of_the_key() -> None:
    plain = _render("{% url 'web:faq' %}")
    set_script_prefix("/sub/")
    try:
        assert _render("{% url 'web:faq' %}") == "/sub" + plain
    finally:
        set_script_prefix("/")
    assert _render("{% url 'web:faq' %}") == plain
    with translation.override("en"):
        assert _render("{% url 'web:faq' %}") == reverse("web:faq")


@override_settings(ROOT_URLCONF="tests.integration.url_cache_urls")
def test_another_urlconf_is_reversed_again() -> None:
    assert _render("{% url 'only_here' %}") == "/only-here/"
