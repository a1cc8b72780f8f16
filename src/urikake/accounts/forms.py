"""Forms of our own account pages (allauth's pages use allauth's forms)."""

from __future__ import annotations

from django import forms

from urikake.api_schemas import DB_INT_MAX


class SessionActionForm(forms.Form):
    """A button on the session list: end one session, or all the others."""

    ACTIONS = (("revoke", "revoke"), ("revoke_others", "revoke_others"))

    action = forms.ChoiceField(choices=ACTIONS)
    session = forms.IntegerField(required=False, min_value=1, max_value=DB_INT_MAX)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") == "revoke" and not data.get("session"):
            raise forms.ValidationError("session is required")
        return data
