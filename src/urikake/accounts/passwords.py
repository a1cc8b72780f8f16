"""Password rules (NIST SP 800-63B rev. 4, ASVS V2.1): length and a blocklist, no composition.

* :class:`LengthForMFAValidator` — at least 15 characters, or 8 while the account has a
  second factor (TOTP or a passkey/security key); at most 128. Characters are Unicode code
  points after NFKC, so 「ぱすわーど」 counts five. No "one upper case, one digit…" rules: they
  make passwords harder to remember, not harder to guess.
* :class:`BlocklistValidator` — refuses common and breached passwords (the list shipped in
  ``data/password_blocklist.txt.gz``), simple variants of them (digits or symbols around a
  listed word, a listed word repeated), keyboard walks and runs, and context words: the
  service's name and the user's own e-mail address.

Both compare after NFKC normalisation and casefolding, so 「ＰＡＳＳＷＯＲＤ」 is "password".
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

BLOCKLIST_PATH = Path(__file__).resolve().parent / "data" / "password_blocklist.txt.gz"

MIN_LENGTH_WITHOUT_MFA = 15
MIN_LENGTH_WITH_MFA = 8
MAX_LENGTH = 128

# The service's own names: refused anywhere inside a password (NIST: "context-specific words").
SERVICE_WORDS = ("urikake", "ウリカケ", "うりかけ", "売掛")

# Sequences people walk along on a keyboard or in the syllabary. A password made only of
# pieces of these (forwards or backwards, 4+ characters each) is refused.
_RUNS = (
    "1234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "abcdefghijklmnopqrstuvwxyz",
    "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん",
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン",
)
_MIN_RUN = 4
# What people put around a word to satisfy old composition rules ("Password123!").
_PADDING = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def normalise(password: str) -> str:
    """The form every rule compares: NFKC (full-width → ASCII, etc.) and casefolded."""
    return unicodedata.normalize("NFKC", password).casefold()


@lru_cache(maxsize=1)
def blocklist() -> frozenset[str]:
    with gzip.open(BLOCKLIST_PATH, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def has_mfa(user: Any) -> bool:
    """True when ``user`` has a real second factor (recovery codes alone do not count)."""
    if user is None or getattr(user, "pk", None) is None:
        return False
    from allauth.mfa.models import Authenticator

    return bool(
        Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
    )


def length(password: str) -> int:
    return len(unicodedata.normalize("NFKC", password))


def min_length_for(user: Any) -> int:
    return MIN_LENGTH_WITH_MFA if has_mfa(user) else MIN_LENGTH_WITHOUT_MFA


class LengthForMFAValidator:
    def validate(self, password: str, user: Any = None) -> None:
        n = length(password)
        if n > MAX_LENGTH:
            raise ValidationError(
                _("パスワードは%(max)d文字以内にしてください。"),
                code="password_too_long",
                params={"max": MAX_LENGTH},
            )
        minimum = min_length_for(user)
        if n >= minimum:
            return
        if minimum == MIN_LENGTH_WITH_MFA:
            message = _("パスワードは%(min)d文字以上にしてください（現在%(n)d文字）。")
        else:
            message = _(
                "パスワードは%(min)d文字以上にしてください（現在%(n)d文字）。"
                "二段階認証を設定すると%(mfa_min)d文字以上で使えます。"
            )
        raise ValidationError(
            message,
            code="password_too_short",
            params={"min": minimum, "n": n, "mfa_min": MIN_LENGTH_WITH_MFA},
        )

    def password_changed(self, password: str, user: Any = None) -> None:
        """Remember whether the new password would be long enough without MFA (see models)."""
        if user is None or getattr(user, "pk", None) is None:
            return
        from urikake.accounts.models import PasswordPolicyRecord

        PasswordPolicyRecord.objects.update_or_create(
            user_id=user.pk,
            defaults={"long_enough_without_mfa": length(password) >= MIN_LENGTH_WITHOUT_MFA},
        )

    def get_help_text(self) -> str:
        return _(
            "15文字以上（二段階認証を設定している場合は8文字以上）、128文字以内で設定してください。"
            "記号や数字を混ぜる必要はありません。覚えやすい長めのフレーズ"
            "（例: 単語をいくつか並べたもの）がおすすめです。スペースも使えます。"
        )


def _is_repetition(text: str) -> str | None:
    """The repeated unit when ``text`` is one piece written several times, else None."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return None


def _is_walk(text: str) -> bool:
    """True when ``text`` is made entirely of keyboard/syllabary runs of 4+ characters."""
    if len(text) < _MIN_RUN:
        return False
    pieces = [*_RUNS, *(run[::-1] for run in _RUNS)]
    # reachable[i]: text[:i] can be split into runs. Runs may wrap around ("7890123").
    reachable = [True] + [False] * len(text)
    for start in range(len(text)):
        if not reachable[start]:
            continue
        for run in pieces:
            cyclic = run + run
            for end in range(start + _MIN_RUN, len(text) + 1):
                if text[start:end] in cyclic:
                    reachable[end] = True
                else:
                    break
    return reachable[len(text)]


def _context_words(user: Any) -> list[str]:
    words = list(SERVICE_WORDS)
    email = getattr(user, "email", "") or ""
    if email:
        local = normalise(email).split("@", 1)[0]
        # Very short local parts ("a@…") would refuse half the dictionary.
        if len(local) >= 3:
            words.append(local)
    return words


class BlocklistValidator:
    def validate(self, password: str, user: Any = None) -> None:
        text = normalise(password)
        listed = blocklist()
        core = _PADDING.sub("", text)
        unit = _is_repetition(core or text)
        if (
            text in listed
            or (core and core in listed)
            or (unit is not None and (len(unit) <= 3 or unit in listed))
            or _is_walk(text)
            or _is_walk(core)
        ):
            raise ValidationError(
                _(
                    "このパスワードはよく使われているか推測されやすいため使えません。"
                    "関係のない単語をいくつか組み合わせた、長めのフレーズをおすすめします。"
                ),
                code="password_too_common",
            )
        for word in _context_words(user):
            if normalise(word) in text:
                raise ValidationError(
                    _("サービス名やメールアドレスを含むパスワードは使えません。"),
                    code="password_contains_context",
                )

    def get_help_text(self) -> str:
        return _(
            "よく使われるパスワード、過去に流出したパスワード、キーボードの並び、"
            "サービス名やメールアドレスを含むものは使えません。"
            "他のサービスと同じパスワードは使わないでください。"
        )
