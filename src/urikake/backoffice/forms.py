"""The dashboards' period filter (GET parameters; bad input → Japanese errors, default period)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_DAYS = 366 * 5


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("開始日"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("終了日"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return data
        if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
            raise forms.ValidationError(
                _("期間は2000年1月1日から2100年12月31日の間で指定してください。")
            )
        if end < start:
            raise forms.ValidationError(_("終了日は開始日以降の日付を指定してください。"))
        if (end - start).days > MAX_DAYS:
            raise forms.ValidationError("期間は5年以内で指定してください。")
        return data
