"""スタッフ権限の管理: list the staff, grant or revoke a role (administrators only).

The page only calls :mod:`urikake.accounts.services`, which checks the rules (no change to
oneself) and writes the audit record.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from urikake.accounts import services
from urikake.accounts.access import staff
from urikake.accounts.models import User
from urikake.accounts.roles import Capability, StaffRole
from urikake.domain.errors import DomainError


class GrantForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("メールアドレス"), max_length=254)
    role = forms.ChoiceField(label=gettext_lazy("権限"), choices=StaffRole.choices)


class RevokeForm(forms.Form):
    user_id = forms.IntegerField(min_value=1, max_value=2**31 - 1)


def _grant(request: HttpRequest, form: GrantForm) -> bool:
    if not form.is_valid():
        return False
    user = User.objects.filter(email__iexact=form.cleaned_data["email"].strip()).first()
    if user is None:
        form.add_error("email", _("このメールアドレスのアカウントはありません。"))
        return False
    try:
        services.grant_staff_role(user, form.cleaned_data["role"], acting_user=request.user)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False
    messages.success(
        request,
        _("%(email)s に「%(role)s」の権限を付与しました。")
        % {"email": user.email, "role": StaffRole(form.cleaned_data["role"]).label},
    )
    return True


def _revoke(request: HttpRequest) -> str | None:
    """None when revoked; otherwise the reason, for the page."""
    form = RevokeForm(request.POST)
    user = User.objects.filter(pk=form.cleaned_data["user_id"]).first() if form.is_valid() else None
    if user is None:
        return _("対象のアカウントが見つかりません。")
    try:
        services.revoke_staff_role(user, acting_user=request.user)
    except DomainError as exc:
        return exc.message
    messages.success(request, _("%(email)s のスタッフ権限を外しました。") % {"email": user.email})
    return None


@staff(Capability.MANAGE_STAFF)
@require_http_methods(["GET", "POST"])
def staff_roles(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action") if request.method == "POST" else None
    grant_form = GrantForm(request.POST if action == "grant" else None)
    revoke_error: str | None = None
    if action == "grant" and _grant(request, grant_form):
        return redirect("backoffice:staff_roles")
    if action == "revoke":
        revoke_error = _revoke(request)
        if revoke_error is None:
            return redirect("backoffice:staff_roles")
    members = User.objects.filter(
        Q(is_staff=True) | Q(is_superuser=True) | ~Q(staff_role="")
    ).order_by("email")
    rows: list[dict[str, Any]] = [
        {
            "user": u,
            "role_label": StaffRole(u.staff_role).label if u.staff_role else _("（権限なし）"),
            "is_self": u.pk == request.user.pk,
        }
        for u in members
    ]
    return render(
        request,
        "backoffice/staff_roles.html",
        {"rows": rows, "grant_form": grant_form, "revoke_error": revoke_error},
    )
