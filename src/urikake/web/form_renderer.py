"""A form renderer that writes Django's plainest widget templates in Python.

Every ``{{ field }}`` and ``{{ field.errors }}`` goes through the form renderer, which renders
one of Django's widget templates (``input.html`` with ``attrs.html`` included, ``select.html``
with an include per option, the error list even when it is empty). On the load test's pages
that was about a third of the template time (benchmarks/README.md, "Forms without widget
templates"). :class:`FastFormRenderer` produces the same characters for those templates with
string formatting and leaves every other template to Django.

It only takes a template over when the engine would load Django's own file and that file's
source is the one this module was written against (:data:`EXPECTED_SOURCES`): a project
template overriding a widget, or a Django upgrade changing one, falls back to the template by
itself. ``tests/unit/web/test_form_renderer.py`` compares the output with the templates'
character for character.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import django
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs

WIDGETS = "django/forms/widgets/"
ERRORS = "django/forms/errors/list/"
LABEL = "django/forms/label.html"
PARAGRAPHS = "django/forms/p.html"
_INCLUDE_INPUT = '{% include "django/forms/widgets/input.html" %}\n'

# The sources the functions below reproduce (Django 5.2).
EXPECTED_SOURCES: dict[str, str] = {
    WIDGETS + "attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}"
    ),
    WIDGETS + "input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}'
        " value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    WIDGETS + "select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}"
        '{% if group_name %}\n  <optgroup label="{{ group_name }}">{% endif %}'
        "{% for option in group_choices %}\n  {% include option.template_name with widget=option %}"
        "{% endfor %}{% if group_name %}\n  </optgroup>{% endif %}{% endfor %}\n</select>\n"
    ),
    WIDGETS + "select_option.html": (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
    ),
    WIDGETS + "multiple_input.html": (
        '{% with id=widget.attrs.id %}<div{% if id %} id="{{ id }}"{% endif %}'
        '{% if widget.attrs.class %} class="{{ widget.attrs.class }}"{% endif %}>'
        "{% for group, options, index in widget.optgroups %}{% if group %}\n"
        "  <div><label>{{ group }}</label>{% endif %}{% for option in options %}<div>\n"
        "    {% include option.template_name with widget=option %}</div>{% endfor %}"
        "{% if group %}\n  </div>{% endif %}{% endfor %}\n</div>{% endwith %}\n"
    ),
    WIDGETS + "input_option.html": (
        "{% if widget.wrap_label %}<label{% if widget.attrs.id %}"
        ' for="{{ widget.attrs.id }}"{% endif %}>{% endif %}'
        '{% include "django/forms/widgets/input.html" %}'
        "{% if widget.wrap_label %} {{ widget.label }}</label>{% endif %}\n"
    ),
    WIDGETS + "textarea.html": (
        '<textarea name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>\n'
        "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n"
    ),
    # BoundField.label_tag() and legend_tag(): a template (and an include) per label
    LABEL: (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        "{% else %}{{ label }}{% endif %}\n"
    ),
    "django/forms/attrs.html": (
        "{% for name, value in attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}"
    ),
    # Form.as_p(): a template walking the fields, each printing its label, widget and errors
    PARAGRAPHS: (
        "{{ errors }}\n"
        "{% if errors and not fields %}\n"
        "  <p>{% for field in hidden_fields %}{{ field }}{% endfor %}</p>\n"
        "{% endif %}\n"
        "{% for field, errors in fields %}\n"
        "  {{ errors }}\n"
        "  <p{% with classes=field.css_classes %}{% if classes %}"
        ' class="{{ classes }}"{% endif %}{% endwith %}>\n'
        "    {% if field.label %}{{ field.label_tag }}{% endif %}\n"
        "    {{ field }}\n"
        "    {% if field.help_text %}\n"
        '      <span class="helptext"{% if field.auto_id %} id="{{ field.auto_id }}_helptext"'
        "{% endif %}>{{ field.help_text|safe }}</span>\n"
        "    {% endif %}\n"
        "    {% if forloop.last %}\n"
        "      {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "    {% endif %}\n"
        "  </p>\n"
        "{% endfor %}\n"
        "{% if not fields and not errors %}\n"
        "  {% for field in hidden_fields %}{{ field }}{% endfor %}\n"
        "{% endif %}\n"
    ),
    ERRORS + "default.html": '{% include "django/forms/errors/list/ul.html" %}',
    ERRORS + "ul.html": (
        '{% if errors %}<ul class="{{ error_class }}"{% if errors.field_id %}'
        ' id="{{ errors.field_id }}_error"{% endif %}>{% for error in errors %}<li>{{ error }}'
        "</li>{% endfor %}</ul>{% endif %}"
    ),
}
# Input types whose template is nothing but an include of input.html.
INPUT_TEMPLATES = [
    WIDGETS + f"{name}.html"
    for name in (
        *("checkbox", "color", "date", "datetime", "email", "file", "hidden"),
        *("number", "password", "search", "tel", "text", "time", "url"),
    )
]
EXPECTED_SOURCES.update(dict.fromkeys(INPUT_TEMPLATES, _INCLUDE_INPUT))
# Radio buttons and checkbox lists: an include of multiple_input.html, each option an include
# of input_option.html (the option templates add their own line end).
MULTIPLE_TEMPLATES = [WIDGETS + "radio.html", WIDGETS + "checkbox_select.html"]
EXPECTED_SOURCES.update(
    dict.fromkeys(MULTIPLE_TEMPLATES, '{% include "django/forms/widgets/multiple_input.html" %}\n')
)
OPTION_TEMPLATES = {
    WIDGETS + "radio_option.html": "\n",
    WIDGETS + "checkbox_option.html": "\n",
    WIDGETS + "input_option.html": "",
}
EXPECTED_SOURCES.update(
    dict.fromkeys(
        [WIDGETS + "radio_option.html", WIDGETS + "checkbox_option.html"],
        '{% include "django/forms/widgets/input_option.html" %}\n',
    )
)


def _text(value: Any) -> str:
    """What ``{{ value }}`` prints with autoescaping on (render_value_in_context)."""
    if type(value) is str:  # most names, ids and values: localize() leaves a str as it is
        return html.escape(value)  # what conditional_escape() does to it, without its wrappers
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value: Any) -> str:
    """What ``{{ value|stringformat:'s' }}`` prints with autoescaping on."""
    if type(value) is str:  # a plain (not safe) str formats as itself, then is escaped
        return html.escape(value)
    if isinstance(value, tuple):
        value = str(value)
    try:
        text = "%s" % value  # noqa: UP031 — the filter's own formatting
    except (ValueError, TypeError):
        text = ""
    if isinstance(value, SafeData):  # the filter is is_safe: safe in, safe out
        return text
    return conditional_escape(text)


def _attrs(attrs: Mapping[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_text(name)}")
        else:
            parts.append(f' {_text(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>\n"
    )


def _option(option: Mapping[str, Any]) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_text(option['label'])}</option>\n"
    )


def _input_option(option: Mapping[str, Any]) -> str:
    """input_option.html: the input, wrapped in its label when the widget wraps it."""
    if not option["wrap_label"]:
        return _input(option) + "\n"
    option_id = option["attrs"].get("id")
    label_for = f' for="{_text(option_id)}"' if option_id else ""
    return f"<label{label_for}>{_input(option)} {_text(option['label'])}</label>\n"


class FastFormRenderer(DjangoTemplates):
    """Django's template form renderer, with the plain widgets and error lists in Python."""

    def __init__(self) -> None:
        super().__init__()
        self._fast: dict[str, Callable[[Mapping[str, Any]], str | None]] = {}
        if all(self._is_djangos(name) for name in EXPECTED_SOURCES):
            self._fast = dict.fromkeys(INPUT_TEMPLATES, self._render_input)
            self._fast[WIDGETS + "input.html"] = self._render_input
            self._fast[WIDGETS + "select.html"] = self._render_select
            self._fast[WIDGETS + "textarea.html"] = self._render_textarea
            for name in (*MULTIPLE_TEMPLATES, WIDGETS + "multiple_input.html"):
                self._fast[name] = self._render_multiple
            self._fast[ERRORS + "default.html"] = self._render_errors
            self._fast[ERRORS + "ul.html"] = self._render_errors
            self._fast[LABEL] = self._render_label
            self._fast[PARAGRAPHS] = self._render_paragraphs

    def _is_djangos(self, template_name: str) -> bool:
        """The engine loads Django's own file for this name, with the source expected here."""
        origin = self.get_template(template_name).template.origin
        own = Path(django.__file__).parent / "forms" / "templates" / template_name
        if Path(origin.name) != own:
            return False
        return own.read_text(encoding="utf-8") == EXPECTED_SOURCES[template_name]

    @property
    def fast_templates(self) -> frozenset[str]:
        return frozenset(self._fast)

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        fast = self._fast.get(template_name)
        if fast is not None and request is None:
            html = fast(context)
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request=request)

    @staticmethod
    def _render_input(context: Mapping[str, Any]) -> str:
        return _input(context["widget"])

    @staticmethod
    def _render_textarea(context: Mapping[str, Any]) -> str:
        widget = context["widget"]
        value = widget["value"]
        return (
            f'<textarea name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>\n'
            f"{_text(value) if value else ''}</textarea>\n"
        )

    @staticmethod
    def _render_select(context: Mapping[str, Any]) -> str | None:
        widget = context["widget"]
        parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_text(group_name)}">')
            for option in group_choices:
                if option["template_name"] != WIDGETS + "select_option.html":
                    return None  # another option template: leave the whole select to Django
                parts.append("\n  ")
                parts.append(_option(option))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return "".join(parts)

    @staticmethod
    def _render_multiple(context: Mapping[str, Any]) -> str | None:
        widget = context["widget"]
        attrs = widget["attrs"]
        shown_id = f' id="{_text(attrs["id"])}"' if attrs.get("id") else ""
        shown_class = f' class="{_text(attrs["class"])}"' if attrs.get("class") else ""
        parts = [f"<div{shown_id}{shown_class}>"]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{_text(group)}</label>")
            for option in options:
                line_end = OPTION_TEMPLATES.get(option["template_name"])
                if line_end is None:
                    return None  # another option template: leave the whole widget to Django
                parts.append(f"<div>\n    {_input_option(option)}{line_end}</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>\n")
        return "".join(parts)

    @staticmethod
    def _render_label(context: Mapping[str, Any]) -> str:
        label = _text(context["label"])
        if not context["use_tag"]:
            return label
        tag = _text(context["tag"])
        attrs = context["attrs"]  # a dict, or None (the template then writes no attribute)
        return f"<{tag}{_attrs(attrs) if attrs else ''}>{label}</{tag}>"

    @staticmethod
    def _render_paragraphs(context: Mapping[str, Any]) -> str:
        """p.html, its text between the tags kept (the renderer strips the ends)."""
        errors, fields = context["errors"], context["fields"]
        hidden = "".join(_text(field) for field in context["hidden_fields"])
        parts = [f"{_text(errors)}\n"]
        if errors and not fields:
            parts.append(f"\n  <p>{hidden}</p>\n")
        parts.append("\n")
        for number, (field, field_errors) in enumerate(fields, start=1):
            classes = field.css_classes()
            shown_class = f' class="{_text(classes)}"' if classes else ""
            label = _text(field.label_tag()) if field.label else ""
            parts.append(f"\n  {_text(field_errors)}\n  <p{shown_class}>\n    {label}\n")
            parts.append(f"    {_text(field)}\n    ")
            if field.help_text:
                auto_id = field.auto_id
                shown_id = f' id="{_text(auto_id)}_helptext"' if auto_id else ""
                # |safe: the help text as it is, not escaped
                parts.append(
                    f'\n      <span class="helptext"{shown_id}>{field.help_text}</span>\n    '
                )
            parts.append("\n    ")
            if number == len(fields):
                parts.append(f"\n      {hidden}\n    ")
            parts.append("\n  </p>\n")
        parts.append("\n")
        if not fields and not errors:
            parts.append(f"\n  {hidden}\n")
        parts.append("\n")
        return "".join(parts)

    @staticmethod
    def _render_errors(context: Mapping[str, Any]) -> str:
        errors = context["errors"]
        if not errors:
            return ""
        field_id = getattr(errors, "field_id", None)
        shown_id = f' id="{_text(field_id)}_error"' if field_id else ""
        items = "".join(f"<li>{_text(error)}</li>" for error in errors)
        return f'<ul class="{_text(context["error_class"])}"{shown_id}>{items}</ul>'
