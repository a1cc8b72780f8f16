"""A message id has one English in every app's catalogue.

Django merges the apps' English catalogues into one per language, and for an id that two
catalogues translate differently the first installed app's English wins everywhere: 売掛先
was "Customer" on a page of an app whose catalogue said "Debtor", 取消 (a cancelled
application) read "Revoked" because the connection register's catalogue came first. A word
that means one thing takes the same English in every catalogue; a word that means two
things (an audit action 「パスワードの設定」 "Password set" and a page title "Set your
password") takes a context in the code (``pgettext``, ``{% translate … context … %}``) and
an English per context. Reads the compiled ``.mo`` files (what Django loads); no database.
"""

from __future__ import annotations

import gettext
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "urikake"
#: Key of a compiled catalogue: ``msgid``, ``"context\x04msgid"`` or ``(msgid, plural form)``.
Key = str | tuple[str, int]


def compiled_catalogs() -> dict[str, dict[Key, str]]:
    """Each app's English message table, by the app's path (``receivables``)."""
    found = {}
    for mo in sorted(ROOT.rglob("locale/en/LC_MESSAGES/django.mo")):
        app = mo.relative_to(ROOT).parents[3].as_posix()
        with mo.open("rb") as handle:
            catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        found[app] = {key: text for key, text in catalog.items() if key != ""}  # not the header
    return found


def _shown(key: Key) -> str:
    msgid, form = (key, None) if isinstance(key, str) else key
    context, _sep, bare = msgid.rpartition("\x04")
    text = f"{bare} [{context}]" if context else bare
    return text if form is None else f"{text} (plural form {form})"


def disagreements(catalogs: dict[str, dict[Key, str]]) -> list[str]:
    """Each id that two catalogues translate differently, with the apps behind each English."""
    english: dict[Key, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for app, catalog in catalogs.items():
        for key, text in catalog.items():
            english[key][text].append(app)
    return sorted(
        f"{_shown(key)}: "
        + "; ".join(f"{text!r} in {', '.join(apps)}" for text, apps in sorted(texts.items()))
        for key, texts in english.items()
        if len(texts) > 1
    )


def test_a_message_id_has_one_english_in_every_catalog() -> None:
    catalogs = compiled_catalogs()
    assert len(catalogs) >= 18, sorted(catalogs)
    problems = disagreements(catalogs)
    assert problems == [], (
        f"{len(problems)} message ids have different English in different catalogues; Django "
        "shows the first installed app's everywhere. Give each the same English, or, where the "
        "uses mean different things, a context in the code (pgettext, "
        '{% translate "…" context "…" %}):\n' + "\n".join(problems)
    )


def test_the_check_sees_a_disagreement_and_tells_contexts_apart() -> None:
    planted = {
        "contracts": {
            "売掛先": "Customer",
            "grade\x04普通": "Medium",
            ("%(n)s件", 0): "%(n)s item",
        },
        "receivables": {"売掛先": "Debtor", "account\x04普通": "Ordinary"},
        "web": {"売掛先": "Debtor", ("%(n)s件", 0): "%(n)s items"},
    }
    assert disagreements(planted) == [
        "%(n)s件 (plural form 0): '%(n)s item' in contracts; '%(n)s items' in web",
        "売掛先: 'Customer' in contracts; 'Debtor' in receivables, web",
    ]
