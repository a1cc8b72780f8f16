"""Staff roles change only here: granted or revoked by an administrator, never by oneself,
each change one atomic transaction with an audit record.

The Django admin shows the privilege fields (``is_staff``, ``is_superuser``, ``staff_role``,
groups, permissions) read-only, so these two functions are the only way a role changes after
an account exists (the back office's スタッフ権限の管理 page calls them).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from urikake.accounts.access import has_capability
from urikake.accounts.models import User
from urikake.accounts.roles import Capability, StaffRole
from urikake.audit import services as audit
from urikake.domain.errors import DomainError


def _check_actor(user: User, acting_user: Any) -> None:
    if not has_capability(acting_user, Capability.MANAGE_STAFF):
        raise PermissionDenied("only an administrator may change staff roles")
    if getattr(acting_user, "pk", None) == user.pk:
        raise DomainError(
            "staff.self_change",
            "自分自身の権限は変更できません。別の管理者に依頼してください。",
            field="user",
        )


def _locked(user: User) -> User:
    return User.objects.select_for_update().get(pk=user.pk)


def grant_staff_role(user: User, role: str, *, acting_user: Any) -> User:
    """Give ``user`` the staff ``role`` (replacing any other role); audited."""
    try:
        new_role = StaffRole(role)
    except ValueError:
        raise DomainError("staff.unknown_role", "権限を選んでください。", field="role") from None
    _check_actor(user, acting_user)
    with transaction.atomic():
        locked = _locked(user)
        if not locked.is_active:
            raise DomainError(
                "staff.inactive", "無効になっているアカウントには権限を付与できません。"
            )
        if locked.memberships.filter(is_active=True).exists():
            raise DomainError(
                "staff.applicant_account",
                "申込者の会員アカウントにはスタッフ権限を付与できません。"
                "スタッフ用のアカウントを別に作成してください。",
                field="email",
            )
        previous = locked.staff_role
        locked.is_staff = True
        locked.staff_role = new_role.value
        locked.save(update_fields=["is_staff", "staff_role"])
        audit.record(
            "staff.role_granted",
            actor=acting_user,
            obj=locked,
            payload={"role": new_role.value, "previous": previous},
        )
    return locked


def revoke_staff_role(user: User, *, acting_user: Any) -> User:
    """Take every staff privilege from ``user`` (role, staff flag, superuser); audited."""
    _check_actor(user, acting_user)
    with transaction.atomic():
        locked = _locked(user)
        if not (locked.is_staff or locked.staff_role or locked.is_superuser):
            raise DomainError("staff.not_staff", "このアカウントにはスタッフ権限がありません。")
        previous = locked.staff_role
        locked.is_staff = False
        locked.is_superuser = False
        locked.staff_role = ""
        locked.save(update_fields=["is_staff", "is_superuser", "staff_role"])
        audit.record(
            "staff.role_revoked",
            actor=acting_user,
            obj=locked,
            payload={"previous": previous},
        )
    return locked


# --- the reader's language ---------------------------------------------------------------


def supported_language(code: str | None) -> str:
    """``code`` if the site speaks it (``en-us`` → ``en``), else the site's default (ja)."""
    from django.conf import settings

    base = (code or "").split("-")[0].lower()
    known = {lang for lang, _name in settings.LANGUAGES}
    return base if base in known else settings.LANGUAGE_CODE


def set_preferred_language(user: User, language: str) -> bool:
    """Remember the language ``user`` chose on the site (mail and SMS to them follow it).
    Audited; False (and nothing written) when it is already their language."""
    language = supported_language(language)
    with transaction.atomic():
        locked = _locked(user)
        if locked.preferred_language == language:
            return False
        before = locked.preferred_language
        locked.preferred_language = language
        locked.save(update_fields=["preferred_language"])
        audit.record(
            "user.language_changed",
            actor=user,
            obj=locked,
            payload={"from": before, "to": language},
        )
    user.preferred_language = language
    return True


def language_of(user: Any) -> str:
    """The language to write to ``user`` in (the site's default for anyone unknown)."""
    return supported_language(getattr(user, "preferred_language", None))
