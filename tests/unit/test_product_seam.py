"""No module outside the product registry compares product identifiers (issue 9).

Code asks the spec (``spec(product).client_forwards``), it never branches on a product's name.
The scan reads every module of ``src/urikake`` (ast) and every template, and fails on a
comparison (``==``, ``!=``, ``is``, ``in``, ``match``) or a dictionary keyed by a product
identifier's value ("two_party") or member (``ProductId.TWO_PARTY``) outside
``urikake/domain/products/``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from urikake.domain.products import ProductId

SRC = Path(__file__).resolve().parents[2] / "src" / "urikake"
REGISTRY = SRC / "domain" / "products"
VALUES = frozenset(p.value for p in ProductId)
MEMBERS = frozenset(p.name for p in ProductId)
_COMPARISONS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot, ast.In, ast.NotIn)


def _names_product(node: ast.AST) -> bool:
    """A product identifier: its stored value, a member (``X.TWO_PARTY``), or a literal
    collection holding one."""
    if isinstance(node, ast.Constant):
        return node.value in VALUES
    if isinstance(node, ast.Attribute):
        return node.attr in MEMBERS
    if isinstance(node, ast.Name):
        return node.id in MEMBERS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_names_product(e) for e in node.elts)
    return False


def offences(source: str, filename: str = "<snippet>") -> list[str]:
    """Each comparison against a product identifier in ``source``, as ``file:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Compare):
            if any(isinstance(op, _COMPARISONS) for op in node.ops) and any(
                _names_product(n) for n in (node.left, *node.comparators)
            ):
                found.append(f"{filename}:{node.lineno}: comparison {ast.unparse(node)}")
        elif isinstance(node, ast.match_case):
            for pattern in ast.walk(node.pattern):
                if isinstance(pattern, ast.MatchValue) and _names_product(pattern.value):
                    found.append(f"{filename}:{pattern.lineno}: match case {ast.unparse(pattern)}")
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None and _names_product(key):
                    found.append(f"{filename}:{key.lineno}: keyed by {ast.unparse(key)}")
    return found


_ALTERNATIVES = "|".join(VALUES)
_TEMPLATE_COMPARISON = re.compile(
    rf"""(==|!=|\bin\b|\bis\b)\s*["']({_ALTERNATIVES})["']|["']({_ALTERNATIVES})["']\s*(==|!=)"""
)


def template_offences(text: str, filename: str = "<template>") -> list[str]:
    return [
        f"{filename}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}"
        for m in _TEMPLATE_COMPARISON.finditer(text)
    ]


def test_no_product_comparison_outside_the_registry() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if REGISTRY in path.parents:
            continue
        found += offences(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    for path in sorted(SRC.rglob("*.html")) + sorted(SRC.rglob("*.txt")):
        found += template_offences(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    assert found == [], "ask the product spec instead:\n" + "\n".join(found)


def test_the_scan_sees_every_form_of_comparison() -> None:
    snippet = """
if application.product == "two_party":
    pass
if p.product != FinancingApplication.Product.THREE_PARTY:
    pass
if ri.product is Product.TWO_PARTY:
    pass
if product in ("three_party", "other"):
    pass
match product:
    case "two_party":
        pass
    case ProductId.THREE_PARTY:
        pass
POLICIES = {"two_party": 1}
ok = product == "four_party" or spec(product).client_forwards
"""
    found = offences(snippet)
    assert [f.split(":")[1] for f in found] == ["2", "4", "6", "8", "11", "13", "15"], found


def test_the_template_scan_sees_comparisons() -> None:
    text = '{% if p.product == "two_party" %}x{% endif %}\n{% if "three_party" != p.product %}'
    assert len(template_offences(text)) == 2
    assert template_offences('{% if p.spec.client_forwards %}{% endif %} "two_party"') == []


def test_the_scan_reads_the_real_source() -> None:
    # A wrong path would pass vacuously.
    modules = [p for p in SRC.rglob("*.py") if REGISTRY not in p.parents]
    assert len(modules) > 100
    assert (SRC / "treasury" / "collections.py") in modules
