"""Password rules: length by MFA, no composition rules, the shipped blocklist, context words."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client

from urikake.accounts.management.commands.build_password_blocklist import (
    build_entries,
    read_additions,
)
from urikake.accounts.models import PasswordPolicyRecord, User
from urikake.accounts.passwords import BLOCKLIST_PATH, blocklist, normalise

from .conftest import PASSWORD, activate_totp, create_user

pytestmark = pytest.mark.django_db


def errors(password: str, user: Any = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code or "" for e in exc.error_list]
    return []


@pytest.fixture
def mfa_user(user: User) -> User:
    activate_totp(user)
    return user


def test_fifteen_characters_without_mfa(user: User) -> None:
    assert errors("birch kettle9x", user) == ["password_too_short"]  # 14
    assert errors("birch kettle 9x", user) == []  # exactly 15
    assert errors("birch kettle 9x", None) == []  # a new user (sign-up) has no MFA


def test_eight_characters_with_mfa(mfa_user: User) -> None:
    assert errors("kettle9x", mfa_user) == []
    assert errors("kettle9", mfa_user) == ["password_too_short"]


def test_recovery_codes_alone_are_not_mfa(user: User) -> None:
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert errors("kettle9x", user) == ["password_too_short"]


def test_long_passwords_and_any_characters_are_welcome(user: User) -> None:
    sixty_four = "quiet-river-" * 5 + "moss"
    assert len(sixty_four) == 64
    assert errors(sixty_four, user) == []
    assert errors("ぬるい麦茶と遠い雷鳴のあと、夕立", user) == []  # Japanese, 16 code points


def test_at_most_128(user: User) -> None:
    base = "quiet river moss fern "
    ok = (base * 6)[:128]
    assert errors(ok, user) == []
    assert "password_too_long" in errors(ok + "z", user)


def test_no_composition_rules(user: User) -> None:
    # All lower case, no digits, no symbols: fine if long and not common.
    assert errors("lanternfishmeadow", user) == []


@pytest.mark.parametrize(
    "password",
    [
        "password1234567",  # listed
        "Password1234567!",  # a listed word with padding
        "ＰＡＳＳＷＯＲＤ１２３４５６７",  # full-width: NFKC makes it the line above
        "passwordpassword",  # a listed word repeated
        "123456789012345",  # a run
        "qwertyuiopasdfgh",  # a keyboard walk
        "1qaz2wsx3edc4rfv",  # a vertical keyboard walk
        "abcabcabcabcabcabc",  # a short unit repeated
        "ファクタリング123456789",  # service-specific addition with padding
        "aaaaaaaaaaaaaaaaa",
    ],
)
def test_common_and_derived_passwords_are_refused(user: User, password: str) -> None:
    assert "password_too_common" in errors(password, user)


@pytest.mark.parametrize(
    "password",
    ["my urikake account 2024", "ウリカケのパスワードです長め", "hanako-loves-autumn-rain"],
)
def test_context_words_are_refused(user: User, password: str) -> None:
    assert user.email.startswith("hanako@")
    assert "password_contains_context" in errors(password, user)


def test_messages_are_japanese_and_helpful(user: User) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_password("short one", user)
    text = " ".join(exc.value.messages)
    assert "15文字以上" in text
    assert "二段階認証を設定すると8文字以上" in text
    helps = " ".join(password_validators_help_texts())
    assert "15文字以上" in helps
    assert "128文字以内" in helps
    assert "記号や数字を混ぜる必要はありません" in helps


def test_the_shipped_blocklist_is_built_from_django_and_our_additions() -> None:
    with gzip.open(BLOCKLIST_PATH, "rt", encoding="utf-8") as fh:
        shipped = [line.rstrip("\n") for line in fh]
    # The file in the repository is exactly what the build command produces (no stale list).
    assert shipped == build_entries()
    listed = blocklist()
    for entry in read_additions():
        assert normalise(entry) in listed
    assert {"123456", "qwerty", "password", "urikake", "ファクタリング"} <= listed
    assert len(listed) > 19_000


def test_password_change_page_applies_the_rules(client: Client, user: User) -> None:
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "my urikake account",
            "password2": "my urikake account",
        },
    )
    assert response.status_code == 200
    assert "サービス名やメールアドレスを含むパスワードは使えません" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_length_that_was_allowed_by_mfa_is_remembered(user: User) -> None:
    assert PasswordPolicyRecord.objects.get(user=user).long_enough_without_mfa
    user.set_password("kettle9x")
    user.save()
    assert not PasswordPolicyRecord.objects.get(user=user).long_enough_without_mfa
    other = create_user("other@example.com", password="a sufficiently long one")
    assert PasswordPolicyRecord.objects.get(user=other).long_enough_without_mfa
