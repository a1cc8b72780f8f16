"""Each app's English catalogue holds exactly the messages its code uses, all translated.

``test_english_catalog.py`` asks whether a Japanese id has English in *some* catalogue;
Django merges every app's catalogue, so that stays true while the catalogues drift from the
code: a message moved to another app keeps its English only in the old app's catalogue,
and the next ``makemessages`` there drops it as obsolete or fuzzy-matches it to the English
of a neighbour (with the neighbour's placeholders). Here Django's own ``makemessages``
(the command of docs/language-and-accessibility.md) runs once on a copy of the sources, and
for every catalogue:

* the message ids it extracts from the app are exactly those of the committed ``.po``
  (nothing missing, nothing obsolete), none fuzzy, none without English;
* the committed ``.mo`` holds what ``msgfmt`` compiles from the committed ``.po``.

A message in code outside an app with an English catalogue lands in a catch-all catalogue
at the top of the copy, which must stay empty. Needs GNU gettext (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "urikake"
CATALOG = Path("locale/en/LC_MESSAGES/django.po")
#: The command of docs/language-and-accessibility.md, run from src/urikake.
MAKEMESSAGES = [
    "-P",
    "-m",
    "django",
    "makemessages",
    "-l",
    "en",
    "--settings=urikake.settings",
    "--add-location=file",
]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# --- a small reader of .po and .mo files (no polib in the project) ---------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
Key = tuple[str | None, str]  # (msgctxt, msgid)


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> Key:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgid} [{self.msgctxt}]"


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text)


def read_po(text: str) -> list[Entry]:
    """The entries of a catalogue, the header (``msgid ""``) included."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", text.strip()):
        entry, field_name = Entry(), ""
        for line in block.splitlines():
            if line.startswith(("#|", "#~|")):  # the previous msgid of a fuzzy entry
                continue
            if line.startswith("#~"):
                entry.obsolete, line = True, line[2:].lstrip()
            elif line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
                continue
            elif line.startswith("#") or not line.strip():
                continue
            keyword = re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"$', line)
            if keyword:
                field_name, index, value = keyword.groups()
                if field_name.startswith("msgstr"):
                    field_name = f"msgstr{int(index or 0)}"
                    entry.msgstr[int(index or 0)] = _unescape(value)
                else:
                    setattr(entry, field_name, _unescape(value))
                continue
            more = re.fullmatch(r'"(.*)"', line.strip())
            if not (more and field_name):
                raise ValueError(f"cannot read the line {line!r}")
            if field_name.startswith("msgstr"):
                entry.msgstr[int(field_name[6:])] += _unescape(more.group(1))
            else:
                setattr(entry, field_name, getattr(entry, field_name) + _unescape(more.group(1)))
        if field_name:
            entries.append(entry)
    return entries


def read_mo(data: bytes) -> dict[bytes, bytes]:
    """The message table of a compiled catalogue (GNU .mo: a header and two offset tables)."""
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    _, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    table = {}
    for i in range(count):
        olen, ooff = struct.unpack(order + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        tlen, toff = struct.unpack(
            order + "2I", data[translations + 8 * i : translations + 8 * i + 8]
        )
        table[data[ooff : ooff + olen]] = data[toff : toff + tlen]
    return table


# --- makemessages on a copy ------------------------------------------------------------------


def catalogs() -> list[Path]:
    """The apps' English catalogues, relative to src/urikake (``bulk/locale/en/...``)."""
    return sorted(p.relative_to(ROOT) for p in ROOT.glob(f"*/{CATALOG}"))


@dataclass
class Extraction:
    copy: Path  # the copy of src/urikake that makemessages updated
    output: str  # what makemessages printed (xgettext's warnings among it)


@pytest.fixture(scope="module")
def extraction(tmp_path_factory: pytest.TempPathFactory) -> Extraction:
    if not shutil.which("xgettext") or not shutil.which("msgfmt"):
        pytest.fail("GNU gettext (xgettext, msgmerge, msgfmt) is needed: apt-get install gettext")
    copy = tmp_path_factory.mktemp("i18n") / "urikake"
    keep = set(catalogs())
    for path in ROOT.rglob("*"):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        relative = path.relative_to(ROOT)
        if path.suffix in {".py", ".html", ".txt"} or relative in keep:
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy / relative)
    (copy / CATALOG).parent.mkdir(parents=True)  # the catch-all for code outside the apps
    result = subprocess.run(
        [sys.executable, *MAKEMESSAGES],
        cwd=copy,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Extraction(copy, result.stdout + result.stderr)


def _entries(path: Path) -> dict[Key, Entry]:
    return {e.key: e for e in read_po(path.read_text(encoding="utf-8")) if e.msgid}


@pytest.mark.parametrize("catalog", catalogs(), ids=lambda p: p.parts[0])
def test_the_catalog_holds_exactly_the_messages_of_its_app(
    catalog: Path, extraction: Extraction
) -> None:
    committed = _entries(ROOT / catalog)
    merged = _entries(extraction.copy / catalog)
    in_code = {k for k, e in merged.items() if not e.obsolete}
    in_catalog = {k for k, e in committed.items() if not e.obsolete}
    problems = [f"in the code, not in the catalog: {merged[k]}" for k in in_code - in_catalog]
    problems += [f"in the catalog, not in the code: {committed[k]}" for k in in_catalog - in_code]
    problems += [f"obsolete (#~): {e}" for e in committed.values() if e.obsolete]
    problems += [f"fuzzy: {e}" for e in committed.values() if "fuzzy" in e.flags]
    problems += [
        f"no English: {e}"
        for e in committed.values()
        if not e.obsolete and not (e.msgstr and all(e.msgstr.values()))
    ]
    assert problems == [], (
        f"{catalog} is out of step with the code ({len(problems)}); update it as "
        "docs/language-and-accessibility.md says (makemessages, translate, compilemessages):\n"
        + "\n".join(sorted(problems))
    )


@pytest.mark.parametrize("catalog", catalogs(), ids=lambda p: p.parts[0])
def test_the_compiled_catalog_is_that_of_the_po(catalog: Path, tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(ROOT / catalog)],
        check=True,
    )
    committed = ROOT / catalog.with_suffix(".mo")
    assert committed.exists(), f"{committed} is missing: run compilemessages"
    assert read_mo(committed.read_bytes()) == read_mo(compiled.read_bytes()), (
        f"{committed} is older than its .po: run compilemessages"
    )


def test_every_message_belongs_to_an_app_with_an_english_catalog(extraction: Extraction) -> None:
    catch_all = extraction.copy / CATALOG  # written only when something landed there
    stray = [str(e) for e in _entries(catch_all).values()] if catch_all.exists() else []
    assert stray == [], (
        "messages in code outside an app with locale/en (give the app a catalog):\n"
        + "\n".join(stray)
    )


def test_xgettext_has_no_warning(extraction: Extraction) -> None:
    # e.g. 'msgid ... is used without plural and with plural': the singular gettext() then
    # finds no English in a catalog that holds the id as a plural.
    assert "warning" not in extraction.output.lower(), extraction.output


def test_the_check_sees_the_project() -> None:
    found = catalogs()
    assert len(found) >= 18, found
    ids = {e.key for c in found for e in read_po((ROOT / c).read_text(encoding="utf-8"))}
    assert len(ids) > 2000, len(ids)


def test_the_reader_reads_what_msgfmt_writes(tmp_path: Path) -> None:
    po = tmp_path / "t.po"
    po.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, fuzzy\n#| msgid "古い"\nmsgid "新しい"\nmsgstr "New"\n\n'
        'msgctxt "grade"\nmsgid "普通"\nmsgstr ""\n"Me"\n"dium"\n\n'
        'msgid "%(n)s件"\nmsgid_plural "%(n)s件"\n'
        'msgstr[0] "%(n)s item"\nmsgstr[1] "%(n)s \\"items\\""\n\n'
        '#~ msgid "消えた"\n#~ msgstr "Gone"\n',
        encoding="utf-8",
    )
    entries = {str(e): e for e in read_po(po.read_text(encoding="utf-8")) if e.msgid}
    assert entries["新しい"].flags == {"fuzzy"}
    assert entries["普通 [grade]"].msgstr == {0: "Medium"}
    assert entries["%(n)s件"].msgstr == {0: "%(n)s item", 1: '%(n)s "items"'}
    assert entries["消えた"].obsolete
    subprocess.run(["msgfmt", "-o", str(tmp_path / "t.mo"), str(po)], check=True)
    table = read_mo((tmp_path / "t.mo").read_bytes())
    assert table["grade\x04普通".encode()] == b"Medium"
    assert table["%(n)s件\x00%(n)s件".encode()] == b'%(n)s item\x00%(n)s "items"'
    assert "新しい".encode() not in table  # msgfmt leaves fuzzy entries out


def test_labels_shown_through_gettext_of_a_value_are_marked() -> None:
    """Ids that reach gettext only as values (``gettext(status.label)``) are invisible to
    makemessages: ``web/dynamic_labels.py`` marks each, or its English would be dropped."""
    from django.apps import apps
    from django.utils import translation

    from urikake.domain import portfolio_metrics
    from urikake.domain.ageing import Bucket
    from urikake.domain.applications import ApplicationStatus
    from urikake.domain.guarantees import GuaranteeScheme, PremiumBasis
    from urikake.domain.identifiers import AccountType
    from urikake.domain.lending import SCHEMES, CreditGrade, LoanDocument, LoanScheme
    from urikake.domain.perfection import Method
    from urikake.domain.positions import PositionStatus
    from urikake.domain.products import all_specs
    from urikake.domain.screening import pricing
    from urikake.domain.securitization import costs
    from urikake.web.dynamic_labels import CREDIT_GRADES, LABELS

    def literals(module: object, call: str) -> list[str]:
        source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
        return re.findall(call + r'\(\s*(?:"\w+",\s*)?"([^"]+)"', source)

    values = [
        *(s.label for s in ApplicationStatus),
        *(label for label, _ in portfolio_metrics.FUNNEL_STAGES),
        *(b.label for b in Bucket),
        *(p.label for p in PositionStatus),
        *(s.label_ja for s in GuaranteeScheme),
        *(b.label_ja for b in PremiumBasis),
        *(s.label_ja for s in LoanScheme),
        *(s.name_ja for s in SCHEMES),
        *(d.label_ja for d in LoanDocument),
        *(a.label for a in AccountType),
        *(m.label for m in Method),
        *literals(pricing, "FeeLine"),
        pricing.FACE_TIMES,
        pricing.PAID_ON,
        pricing.APR_NOTE,
        *literals(costs, "FinancingOption"),
        *(t for s in all_specs() for t in (s.label_ja, s.description_ja)),
        *(
            str(m._meta.verbose_name)
            for m in apps.get_models()
            if m.__module__.startswith("urikake.") and JAPANESE.search(str(m._meta.verbose_name))
        ),
    ]
    assert len(values) > 100, len(values)
    assert [v for v in values if v not in LABELS] == []
    with translation.override("ja"):
        assert [str(g) for g in CREDIT_GRADES] == [g.label_ja for g in CreditGrade]
    with translation.override("en"):
        assert [v for v in values if translation.gettext(v) == v] == []
        assert [g.label_ja for g in CreditGrade if str(g) == g.label_ja] == []


def test_every_model_has_a_japanese_name() -> None:
    """The audit trail and the staff pages name an object by its model: a model without a
    Japanese ``verbose_name`` would show Django's English default ("membership") there."""
    from django.apps import apps

    unnamed = [
        m._meta.label
        for m in apps.get_models()
        if m.__module__.startswith("urikake.")
        and not (
            JAPANESE.search(str(m._meta.verbose_name))
            and JAPANESE.search(str(m._meta.verbose_name_plural))
        )
    ]
    assert unnamed == []
