"""Every page speaks the reader's language (issue 10 item 1): no raw code on any page.

The walk (``tests/fixtures/pages.py``) fetches every page of the URL configuration as each
reader — anonymous, the demo applicant, the demo client with deals, every staff role — in
Japanese and in English, and fails on what a person should never read:

* an object label like ``invoice:10`` or ``user:7``;
* a ``snake_case`` token (an internal name: ``generic_jp_bank``, ``payout.sent`` is caught by
  the audit-action rule below);
* a known enum value (every model field's ``choices`` and every ``str`` enum of the project)
  as a whole word in Japanese pages, or as a whole text node in English ones (``offered`` in a
  table cell);
* in Japanese mode, an English phrase (three words or more) — minus a short allow-list;
* in English mode, a Japanese string that is one of the project's own message ids (an
  untranslated label), and in Japanese mode an English msgstr shown instead;
* on an applicant's page, model internals (scores, reason codes, 融資 for factoring: only the
  loan product may say 融資, on its own pages and where a text names it — see ``LOAN``).

``test_the_walk_catches_a_planted_raw_code`` proves each rule fires.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

import urikake
from tests.fixtures.pages import Page, Walk, client_for, visible_text

pytestmark = pytest.mark.django_db

OBJECT_LABEL = re.compile(r"\b[a-z][a-z_]*:\d+\b")
SNAKE = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/@-]|\.\w)")
DOTTED_CODE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*(?![\w/@.-])")
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,'-]+[A-Za-z][a-z]+){2,}\b")
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+|\b[\w-]+\.(?:csv|xml|txt|pdf|json)\b")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

# English phrases a Japanese page may show, each for a reason.
ALLOWED_PHRASES = {
    "Urikake contributors",  # the footer's copyright holder, a name
}
# Lower-case words that are enum values but also plain content a Japanese page may show.
ALLOWED_WORDS: set[str] = set()
# Words an applicant's page must never show (model internals, a loan for a purchase).
APPLICANT_FORBIDDEN = ("SYNTHETIC", "スコア", "score", "reason code")
# 融資 is a loan: factoring is 買取・資金化, never 融資. The receivables-backed loan
# (urikake.lending, 売掛債権担保融資) IS a loan, so 融資 is right for it, and only for it:
# * on its own pages, under /my/loans/ (the applicant's loans: list, application, detail);
# * in a text that names it: 「…担保融資…」 (the product, 売掛債権担保融資, and its short label
#   担保融資) or 「…保証付きで融資…」 (the registry's description of the product, on the top
#   page). Any other 融資 on an applicant's page calls factoring a loan and fails.
LOAN = re.compile(r"融資")
LOAN_PRODUCT_PAGES = ("/my/loans/",)
LOAN_PRODUCT_NAMED = re.compile(r"担保融資|保証付きで融資")


@cache
def enum_values() -> frozenset[str]:
    """Every choices value of every model field, and every str enum value of the project."""
    values: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            for choice in getattr(f, "choices", None) or []:
                if isinstance(choice[0], str):
                    values.add(choice[0])
    for module in _project_modules():
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj is not enum.Enum:
                for member in obj:
                    if isinstance(member.value, str):
                        values.add(member.value)
    # Codes only: lower-case ASCII identifiers of two letters or more.
    return frozenset(v for v in values if re.fullmatch(r"[a-z][a-z0-9_.-]+", v))


@cache
def japanese_labels() -> frozenset[str]:
    """The Japanese labels of every choice and every domain enum (``.label``): shown in an
    English page, they are untranslated."""
    from django.utils import translation

    labels: set[str] = set()
    with translation.override("ja"):
        for model in apps.get_models():
            for f in model._meta.get_fields():
                for choice in getattr(f, "choices", None) or []:
                    labels.add(str(choice[1]))
        for module in list(_project_modules()):
            for obj in vars(module).values():
                if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj is not enum.Enum:
                    for member in obj:
                        label = getattr(member, "label", None)
                        if isinstance(label, str):
                            labels.add(label)
    return frozenset(v for v in labels if len(v) >= 2 and JAPANESE.search(v))


def _project_modules() -> list[Any]:
    modules = []
    for info in pkgutil.walk_packages(urikake.__path__, "urikake."):
        if ".migrations" in info.name or info.name.endswith(("__main__", "wsgi", "asgi")):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except Exception:
            continue
    return modules


@cache
def audit_actions() -> frozenset[str]:
    """Every audit action with a label, and their nouns (``application``, ``kyc``, …)."""
    from urikake.accounts.labels import ACTIONS, NOUNS

    return frozenset(ACTIONS) | frozenset(NOUNS)


@cache
def catalog() -> dict[str, str]:
    """The project's message ids (Japanese) with their English translation."""
    entries: dict[str, str] = {}
    root = Path(urikake.__file__).parent
    for po in root.glob("*/locale/en/LC_MESSAGES/django.po"):
        msgid = msgstr = None
        for block in po.read_text(encoding="utf-8").split("\n\n"):
            if "#, fuzzy" in block:
                continue
            msgid = _po_string(block, "msgid")
            msgstr = _po_string(block, "msgstr")
            if msgid and msgstr:
                entries[msgid] = msgstr
    return entries


def _po_string(block: str, key: str) -> str:
    m = re.search(rf'^{key} ((?:".*"\n?)+)', block, re.M)
    if not m:
        return ""
    return "".join(re.findall(r'"(.*)"', m.group(1))).replace('\\"', '"').replace("\\n", "\n")


def _calls_factoring_a_loan(node: str, url: str) -> bool:
    """融資 outside the loan product's pages, in a text that does not name the loan product."""
    if url.startswith(LOAN_PRODUCT_PAGES) or LOAN_PRODUCT_NAMED.search(node):
        return False
    return bool(LOAN.search(node))


def raw_codes(nodes: list[str], language: str, kind: str, url: str = "") -> list[str]:
    """What a person should not read in these text nodes of the page at ``url`` (empty when
    the page is clean)."""
    found: list[str] = []
    codes = enum_values()
    english_ids = {v: k for k, v in catalog().items() if len(v) > 3}
    japanese_ids = {k for k in catalog() if len(k) >= 3 and JAPANESE.search(k)}
    japanese_ids |= japanese_labels()
    for node in nodes:
        text = EMAIL_OR_URL.sub(" ", node)
        found += [f"object label {m!r} in {node!r}" for m in OBJECT_LABEL.findall(text)]
        found += [f"snake_case {m!r} in {node!r}" for m in SNAKE.findall(text)]
        found += [
            f"code {m!r} in {node!r}"
            for m in DOTTED_CODE.findall(text)
            if m in codes or m in audit_actions() or m.partition(".")[0] in audit_actions()
        ]
        if language == "ja":
            for word in re.findall(r"(?<![\w@./-])[a-z][a-z0-9_-]+(?![\w@/-])", text):
                if word in codes and word not in ALLOWED_WORDS:
                    found.append(f"enum value {word!r} in {node!r}")
            for phrase in ENGLISH_PHRASE.findall(text):
                if not any(phrase in allowed for allowed in ALLOWED_PHRASES):
                    found.append(f"English {phrase!r} in {node!r}")
            if node in english_ids and not JAPANESE.search(node):
                found.append(f"English label {node!r} (msgid {english_ids[node]!r})")
        else:
            if text.strip() in codes:
                found.append(f"enum value {node!r}")
            if node in japanese_ids:
                found.append(f"untranslated {node!r}")
        if kind == "applicant":
            found += [f"internal {w!r} in {node!r}" for w in APPLICANT_FORBIDDEN if w in node]
            if _calls_factoring_a_loan(node, url):
                found.append(f"internal '融資' in {node!r}")
    return found


@pytest.fixture(scope="module")
def demo_walk(walker_restored: Walk) -> Walk:
    """The session's demo walk (``tests/fixtures/walker.py``, shared with the browser walk),
    in the test database for this module."""
    return walker_restored


def _findings(demo_walk: Walk, page: Page, language: str) -> list[str]:
    client = client_for(demo_walk.readers[page.reader], language)
    response = client.get(page.url)
    assert response.status_code == 200, (page.url, page.reader, response.status_code)
    html = response.content.decode()
    assert f'<html lang="{language}"' in html, (page.url, language)
    return raw_codes(visible_text(html), language, page.kind, page.url)


def test_every_page_in_both_languages_shows_no_raw_code(demo_walk: Walk) -> None:
    names = {p.route.name for p in demo_walk.pages}
    # The walk reached the pages that matter (a broken walk must not pass by reading nothing).
    for expected in (
        "web:top",
        "applicants:home",
        "receivables:application",
        "contracts:detail",
        "treasury:detail",
        "backoffice:home",
        "receivables_backoffice:detail",
        "treasury_backoffice:deal",
        "backoffice:audit",
        "lending:detail",
        "lending_backoffice:detail",
        "securitization_backoffice:detail",
    ):
        assert expected in names, (expected, sorted(names))
    problems: list[str] = []
    for page in demo_walk.pages:
        for language in ("ja", "en"):
            for finding in _findings(demo_walk, page, language):
                problems.append(f"[{language}] {page.reader} {page.url}: {finding}")
    assert problems == [], f"{len(problems)} raw codes:\n" + "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    ("html", "language", "kind", "expected"),
    [
        ("<td>invoice:10</td>", "ja", "applicant", "object label"),
        ("<p>形式: generic_jp_bank</p>", "ja", "staff", "snake_case"),
        ("<td>declined</td>", "ja", "applicant", "enum value"),
        ("<td>offered</td>", "en", "applicant", "enum value"),
        ("<p>操作 application.submitted</p>", "ja", "staff", "code"),
        ("<p>This baseline model was trained on data.</p>", "ja", "staff", "English"),
        ("<p>審査スコア 0.42</p>", "ja", "applicant", "internal"),
        ("<p>融資のお申込み</p>", "ja", "applicant", "internal"),
        ("<h1>資金化の申込み</h1>", "en", "applicant", "untranslated"),
        ('<button aria-label="user:7">x</button>', "ja", "staff", "object label"),
    ],
)
def test_the_walk_catches_a_planted_raw_code(
    html: str, language: str, kind: str, expected: str
) -> None:
    findings = raw_codes(visible_text(html), language, kind)
    assert any(f.startswith(expected) for f in findings), findings


@pytest.mark.parametrize(
    ("html", "url", "caught"),
    [
        ("<p>融資のお申込み</p>", "/my/", True),  # factoring called a loan
        ("<p>資金化（融資）</p>", "/", True),
        ("<a>融資を申し込む</a>", "/receivables/applications/", True),
        ("<p>融資のお申込み</p>", "/my/loans/apply/", False),  # the loan product's own pages
        ("<a>売掛債権担保融資（融資）</a>", "/my/", False),  # a text naming the loan product
        ("<p>売掛債権を担保に、信用保証協会の保証付きで融資を受けられます。</p>", "/", False),
        ("<p>融資のお申込み</p>", "/my/loansx/", True),  # not a loan page
    ],
)
def test_loan_wording_only_for_the_loan_product(html: str, url: str, caught: bool) -> None:
    findings = raw_codes(visible_text(html), "ja", "applicant", url)
    assert any("融資" in f for f in findings) is caught, findings


def test_clean_text_passes() -> None:
    html = (
        "<h1>資金化の申込み</h1><p>請求書 INV-001（株式会社みなと商事）</p>"
        "<p><code>payout_batch</code></p><script>var a_b = 1;</script>"
        '<input type="hidden" value="invoice:1"><a href="/x/">applicant@demo.urikake.example</a>'
    )
    assert raw_codes(visible_text(html), "ja", "applicant") == []


def test_a_planted_raw_status_on_a_real_page_is_caught(demo_walk: Walk, monkeypatch: Any) -> None:
    """The walk reaches rendered pages: plant a raw status into the applicant's home page."""
    from django.template import loader

    page = next(p for p in demo_walk.pages if p.route.name == "applicants:home")
    original = loader.render_to_string

    def planted(*args: Any, **kwargs: Any) -> str:
        return original(*args, **kwargs).replace("</main>", "<p>declined</p></main>")

    monkeypatch.setattr("django.shortcuts.loader.render_to_string", planted)
    assert any("declined" in f for f in _findings(demo_walk, page, "ja"))
