"""The fast form renderer writes exactly what Django's widget templates write.

Each widget and error list is rendered twice, through ``FastFormRenderer`` and through Django's
own ``DjangoTemplates`` renderer, and the two strings must be identical; then the pages of the
load test's mix (and the forms people fill in most) are served with each renderer and compared
whole, the per-request CSRF masks aside.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.forms.utils import ErrorList
from django.template.backends.django import DjangoTemplates as DjangoTemplatesBackend
from django.test import Client, override_settings
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from urikake.accounts.models import User
from urikake.receivables.models import FinancingApplication
from urikake.system.demo import load_demo_data
from urikake.system.demo_treasury import CLIENT_EMAIL
from urikake.web.form_renderer import FastFormRenderer

FAST = FastFormRenderer()
DJANGO = DjangoTemplates()
NASTY = "a<b>&\"c'd"
CHOICES = [
    ("", "---------"),
    (1, "one"),
    ("x&y", NASTY),
    ("lazy", gettext_lazy("お知らせ")),
    ("group<1>", [("g1", "in a group"), ("g2", mark_safe("<em>safe</em>"))]),
]

WIDGETS: list[tuple[forms.Widget, Any, dict[str, Any]]] = [
    (forms.TextInput(), None, {}),
    (forms.TextInput(), "", {}),
    (forms.TextInput(), NASTY, {"id": "id_x", "required": True, "disabled": False}),
    (forms.TextInput(attrs={"class": "wide", "aria-describedby": "id_x_help"}), "山田", {}),
    (forms.TextInput(), mark_safe("<b>kept</b>"), {"data-x": mark_safe("<i>")}),
    (forms.TextInput(), ("a", 1), {"maxlength": 30, "placeholder": NASTY}),
    (forms.NumberInput(), 1234567, {"min": 0, "step": Decimal("0.01")}),
    (forms.NumberInput(), Decimal("1.50"), {}),
    (forms.EmailInput(), "a@b.example", {"autocomplete": "email"}),
    (forms.DateInput(), datetime.date(2026, 12, 7), {"type": "date"}),
    (forms.DateInput(attrs={"type": "date"}), "2026-12-07", {}),
    (forms.HiddenInput(), "v&1", {"id": "id_h"}),
    (forms.PasswordInput(), "secret", {}),
    (forms.PasswordInput(render_value=True), "secret", {}),
    (forms.CheckboxInput(), True, {"id": "id_c"}),
    (forms.CheckboxInput(), False, {}),
    (forms.CheckboxInput(), "", {"aria-invalid": "true"}),
    (forms.FileInput(), None, {"accept": ".csv,text/csv"}),
    (forms.URLInput(), "https://e.example/?a=1&b=2", {}),
    (forms.Select(choices=CHOICES), None, {"id": "id_s"}),
    (forms.Select(choices=CHOICES), 1, {"required": True}),
    (forms.Select(choices=CHOICES), "x&y", {}),
    (forms.Select(choices=[]), None, {}),
    (forms.SelectMultiple(choices=CHOICES), ["g2", 1], {}),
    (forms.NullBooleanSelect(), None, {}),
    (forms.NullBooleanSelect(), True, {}),
    (forms.Textarea(), None, {}),
    (forms.Textarea(), "", {"rows": 3}),
    (forms.Textarea(), "line 1\nline <2> & 3", {"id": "id_t", "aria-describedby": "e"}),
    (forms.Textarea(), mark_safe("<p>safe</p>"), {}),
    (forms.RadioSelect(choices=CHOICES[1:3]), 1, {"id": "id_r"}),
    (forms.RadioSelect(choices=CHOICES), "g2", {"id": "id_r", "class": NASTY, "required": True}),
    (forms.RadioSelect(choices=[]), None, {}),
    (forms.CheckboxSelectMultiple(choices=CHOICES[1:3]), [1], {}),
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["x&y", "g1"], {"id": "id_m"}),
    (forms.CheckboxSelectMultiple(attrs={"class": "invoices"}, choices=CHOICES[1:]), [], {}),
    # left to the templates, through the renderer all the same
    (forms.ClearableFileInput(), None, {}),
    (forms.SplitDateTimeWidget(), datetime.datetime(2026, 12, 7, 9, 30), {}),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), WIDGETS)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_widget_renders_as_its_template(
    widget: forms.Widget, value: Any, attrs: dict[str, Any], language: str
) -> None:
    with override(language):
        fast = widget.render("field", value, attrs, renderer=FAST)
        django = widget.render("field", value, attrs, renderer=DJANGO)
    assert fast == django


@pytest.mark.parametrize(
    "errors",
    [
        ErrorList(),
        ErrorList(field_id="id_amount"),
        ErrorList(["金額を入力してください。"], field_id="id_amount"),
        ErrorList([NASTY, mark_safe("<b>safe</b>")], error_class="nonfield"),
        ErrorList([ValidationError("with %(x)s", params={"x": "<p>"})], field_id="id_a"),
        ErrorList([gettext_lazy("お知らせ"), 12345]),
    ],
)
def test_an_error_list_renders_as_its_template(errors: ErrorList) -> None:
    fast = errors.render(renderer=FAST)
    django = errors.render(renderer=DJANGO)
    assert fast == django
    assert errors.render(template_name=errors.template_name_ul, renderer=FAST) == django


class _LabelForm(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label=NASTY)
    lazy = forms.CharField(label=gettext_lazy("お知らせ"), required=False)
    question = forms.CharField(label="Why?", required=False)
    safe = forms.CharField(label=mark_safe("<em>safe</em>"), required=False)
    own_id = forms.CharField(widget=forms.TextInput(attrs={"id": "mine"}), required=False)
    choice = forms.ChoiceField(choices=CHOICES[1:3], widget=forms.RadioSelect, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize("auto_id", ["id_%s", False])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_labels_render_as_their_template(auto_id: str | bool, language: str) -> None:
    with override(language):
        fast_form = _LabelForm(auto_id=auto_id, renderer=FAST)
        django_form = _LabelForm(auto_id=auto_id, renderer=DJANGO)
        for name in _LabelForm.base_fields:
            fast, django = fast_form[name], django_form[name]
            assert fast.label_tag() == django.label_tag(), name
            assert fast.legend_tag() == django.legend_tag(), name
            assert fast.label_tag("<b>c</b>", attrs={"class": NASTY, "hidden": True}) == (
                django.label_tag("<b>c</b>", attrs={"class": NASTY, "hidden": True})
            )
            assert fast.label_tag(label_suffix=":") == django.label_tag(label_suffix=":")
        assert fast_form.as_p() == django_form.as_p()


class _ParagraphsForm(forms.Form):
    error_css_class = "error"
    required_css_class = "required"
    name = forms.CharField(label=NASTY, help_text=mark_safe("<b>help</b> & more"))
    amount = forms.IntegerField(label=gettext_lazy("金額"), help_text=gettext_lazy("お知らせ"))
    unlabelled = forms.CharField(label="", required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=True)

    def clean(self) -> dict[str, Any]:
        raise ValidationError(NASTY)


class _HiddenOnlyForm(forms.Form):
    hidden = forms.CharField(widget=forms.HiddenInput)


@pytest.mark.parametrize(
    "make",
    [
        lambda r: _ParagraphsForm(renderer=r),
        lambda r: _ParagraphsForm(initial={"name": NASTY, "amount": 12345}, renderer=r),
        lambda r: _ParagraphsForm({"name": "x", "amount": "a<b"}, renderer=r),
        lambda r: _ParagraphsForm({"name": "x", "amount": "5", "secret": "s"}, renderer=r),
        lambda r: _ParagraphsForm(auto_id=False, renderer=r),
        lambda r: _HiddenOnlyForm(renderer=r),
        lambda r: _HiddenOnlyForm({}, renderer=r),
        lambda r: forms.Form(renderer=r),
    ],
)
@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_form_as_paragraphs_renders_as_its_template(
    make: Callable[[Any], forms.Form], language: str
) -> None:
    with override(language):
        assert make(FAST).as_p() == make(DJANGO).as_p()


def test_the_plain_widgets_and_error_lists_are_not_rendered_through_templates() -> None:
    # what makes it fast: no template for these (it would fall back if Django's changed)
    assert "django/forms/widgets/text.html" in FAST.fast_templates
    assert "django/forms/widgets/select.html" in FAST.fast_templates
    assert "django/forms/errors/list/default.html" in FAST.fast_templates
    assert "django/forms/widgets/radio.html" in FAST.fast_templates
    assert "django/forms/widgets/checkbox_select.html" in FAST.fast_templates
    assert "django/forms/label.html" in FAST.fast_templates
    assert "django/forms/p.html" in FAST.fast_templates
    assert "django/forms/widgets/clearable_file_input.html" not in FAST.fast_templates


class _OwnOption(forms.RadioSelect):
    option_template_name = "django/forms/widgets/select_option.html"


def test_radio_buttons_with_another_option_template_are_left_to_the_templates() -> None:
    widget = _OwnOption(choices=CHOICES[1:3])
    fast = widget.render("field", 1, {"id": "id_o"}, renderer=FAST)
    assert fast == widget.render("field", 1, {"id": "id_o"}, renderer=DJANGO)
    assert "<option" in fast


def test_a_project_template_overriding_a_widget_is_respected(tmp_path: Path) -> None:
    override_dir = tmp_path / "django" / "forms" / "widgets"
    override_dir.mkdir(parents=True)
    (override_dir / "text.html").write_text('<input class="ours" name="{{ widget.name }}">')

    class Overridden(FastFormRenderer):
        @cached_property
        def engine(self) -> DjangoTemplatesBackend:
            return DjangoTemplatesBackend(
                {
                    "APP_DIRS": True,
                    "DIRS": [tmp_path, Path(forms.__file__).parent / "templates"],
                    "NAME": "overridden",
                    "OPTIONS": {},
                }
            )

    renderer = Overridden()
    assert renderer.fast_templates == frozenset()
    html = forms.TextInput().render("field", "v", renderer=renderer)
    assert html == '<input class="ours" name="field">'


APPLICANT = "applicant@demo.urikake.example"
REVIEWER = "reviewer@demo.urikake.example"
TREASURY = "treasury@demo.urikake.example"
DJANGO_RENDERER = "django.forms.renderers.DjangoTemplates"
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _pages() -> list[tuple[str, str]]:
    organization = User.objects.get(email=CLIENT_EMAIL).memberships.get().organization
    deal = FinancingApplication.objects.filter(organization=organization).order_by("-pk")[0]
    screened = FinancingApplication.objects.exclude(status="draft").order_by("-pk")[0]
    return [
        (APPLICANT, "/my/"),
        (APPLICANT, "/my/invoices/"),
        (APPLICANT, "/my/applications/"),
        (APPLICANT, "/my/statements/"),
        (APPLICANT, "/my/debtors/"),
        (CLIENT_EMAIL, "/my/"),
        (CLIENT_EMAIL, "/my/treasury/"),
        (CLIENT_EMAIL, "/my/contracts/"),
        (CLIENT_EMAIL, f"/my/applications/{deal.pk}/"),
        (REVIEWER, "/backoffice/screening/"),
        (REVIEWER, f"/backoffice/screening/{screened.pk}/"),
        (TREASURY, "/backoffice/treasury/deposits/"),
    ]


@pytest.mark.django_db
def test_the_load_mix_pages_are_the_same_with_either_renderer() -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    load_demo_data()
    clients: dict[str, Client] = {}

    def client_for(email: str) -> Client:
        if email not in clients:
            user = User.objects.get(email=email)
            if user.is_staff:
                TOTP.activate(user, generate_totp_secret())
            clients[email] = Client()
            clients[email].force_login(user)
        return clients[email]

    def page(email: str, path: str, renderer: str) -> str:
        with override_settings(FORM_RENDERER=renderer):
            response = client_for(email).get(path)
        assert response.status_code == 200, (path, response.status_code)
        return _CSRF.sub(r"\1…\2", response.content.decode())

    fields = 0
    render: Callable[[str, str, str], str] = page
    for email, path in _pages():
        fast = render(email, path, "urikake.web.form_renderer.FastFormRenderer")
        django = render(email, path, DJANGO_RENDERER)
        assert fast == django, path
        fields += fast.count("<input") + fast.count("<select")
    assert fields > 20  # the pages do have form fields to compare
    # a form sent back with its errors (nothing is saved)
    with_errors = []
    for renderer in ("urikake.web.form_renderer.FastFormRenderer", DJANGO_RENDERER):
        with override_settings(FORM_RENDERER=renderer):
            response = client_for(APPLICANT).post("/my/invoices/", {"amount": "-1"})
        assert response.status_code == 200
        with_errors.append(_CSRF.sub(r"\1…\2", response.content.decode()))
    assert with_errors[0] == with_errors[1]
    assert 'class="errorlist"' in with_errors[0]
