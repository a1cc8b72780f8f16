from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from urikake.applicants.forms import PhoneForm


class PhoneNumberForm(PhoneForm):
    """The mobile number to verify (JP mobile numbers only, stored E.164)."""


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード（6桁）"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )
