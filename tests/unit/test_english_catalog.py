"""Every Japanese message id the project uses has an English translation (issue 10 item 1).

Scans the templates (``{% translate %}``, ``{% blocktranslate %}``) and the Python sources
(``_()``, ``gettext()``, ``gettext_lazy()``, ``ngettext()``) for Japanese message ids and
looks each up in the apps' English catalogs (``<app>/locale/en/LC_MESSAGES/django.po``).
A label added without its English fails here, before any page shows it in Japanese to an
English reader. No database, no Django: plain text. That each app's catalog holds exactly
its own messages (what ``makemessages`` keeps) is checked in ``test_catalogs_match_code.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "urikake"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _unquote(parts: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', parts))


def english_catalog() -> dict[str, str]:
    entries: dict[str, str] = {}
    for po in ROOT.glob("*/locale/en/LC_MESSAGES/django.po"):
        for block in po.read_text(encoding="utf-8").split("\n\n"):
            if "#, fuzzy" in block:
                continue
            msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
            msgstr = re.search(r"^msgstr(?:\[0\])? ((?:\".*\"\n?)+)", block, re.M)
            if msgid and msgstr and _unquote(msgstr.group(1)):
                entries[_unquote(msgid.group(1))] = _unquote(msgstr.group(1))
    return entries


def _template_ids(text: str) -> list[str]:
    """Message ids as Django looks them up: a literal ``%`` in a template is ``%%``."""
    ids = re.findall(r'\{%\s*(?:translate|trans)\s+"([^"]+)"', text)
    ids += re.findall(r"\{%\s*(?:translate|trans)\s+'([^']+)'", text)
    ids = [msgid.replace("%", "%%") for msgid in ids]
    for m in re.finditer(
        r"\{%\s*blocktranslate([^%]*)%\}(.*?)\{%\s*(?:plural|endblocktranslate)", text, re.S
    ):
        body = re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", m.group(2).replace("%", "%%"))
        if "trimmed" in m.group(1):
            body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
        ids.append(body.replace('"', '\\"').replace("\n", "\\n"))
    return ids


def _python_ids(text: str) -> list[str]:
    pattern = r"(?<![\w.])(?:_|gettext|gettext_lazy|ngettext|pgettext)\(\s*((?:\"[^\"\n]*\"\s*)+)"
    return [_unquote(m.group(1)) for m in re.finditer(pattern, text)]


def used_ids() -> dict[str, str]:
    """Japanese message ids → the first file using each."""
    found: dict[str, str] = {}
    templates = [*ROOT.rglob("*.html"), *ROOT.glob("*/templates/**/*.txt")]  # .txt: mails
    for path in templates:
        for msgid in _template_ids(path.read_text(encoding="utf-8")):
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for msgid in _python_ids(path.read_text(encoding="utf-8")):
            found.setdefault(msgid, str(path.relative_to(ROOT)))
    return {k: v for k, v in found.items() if JAPANESE.search(k)}


def test_every_japanese_message_has_an_english_translation() -> None:
    catalog = english_catalog()
    used = used_ids()
    assert len(used) > 500, len(used)  # the scan found the project's messages
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in used.items() if msgid not in catalog)
    assert missing == [], f"{len(missing)} without English:\n" + "\n".join(missing)


def test_the_scan_finds_a_message_without_english() -> None:
    ids = _template_ids('{% translate "まだ訳のない見出し" %}') + _python_ids(
        '_("まだ訳のない説明")'
    )
    assert ids == ["まだ訳のない見出し", "まだ訳のない説明"]
    assert not set(ids) & english_catalog().keys()


def test_a_literal_percent_in_a_template_is_looked_up_as_django_does() -> None:
    # {% translate %} and {% blocktranslate %} escape a literal % as %% in the message id
    # (django.template.base.Variable, django.templatetags.i18n.BlockTranslateNode).
    ids = _template_ids(
        '{% translate "上限 90%" %}{% blocktranslate %}割合 {{ x }}%{% endblocktranslate %}'
    )
    assert ids == ["上限 90%%", "割合 %(x)s%%"]


def test_every_product_of_the_registry_has_english() -> None:
    """The pages show the registry's Japanese labels and descriptions through gettext
    (``{% translate offer.spec.description_ja %}``, ``_(spec.label_ja)``): the scan above
    cannot see those ids, so each is checked here."""
    from urikake.domain.products import all_specs

    catalog = english_catalog()
    texts = [t for s in all_specs() for t in (s.label_ja, s.description_ja)]
    assert len(texts) >= 6, texts
    assert [t for t in texts if t not in catalog] == []
