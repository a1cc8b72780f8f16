"""No app reaches into another app's private names (issue 9, item 4).

``receivables.services._move`` used to be called from contracts and treasury; the transitions
now have public verbs (``mark_contracted``, ``mark_funded``, ...). The scan reads every module
of ``src/urikake`` and fails on ``from urikake.<other app>… import _name`` or
``<alias of another app's module>._name`` (dunder names are fine).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "urikake"


def _app(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "urikake" else None


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_reaches(source: str, module: str) -> list[str]:
    """Each use of another app's private name in ``source`` (the module ``module``)."""
    me = _app(module)
    tree = ast.parse(source)
    aliases: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            other = _app(node.module)
            if other is None or other == me:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{module}:{node.lineno}: from {node.module} import {alias.name}")
                aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                other = _app(alias.name)
                if other is not None and other != me and alias.asname:
                    aliases.add(alias.asname)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _private(node.attr)
        ):
            found.append(f"{module}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_app_uses_another_apps_private_names() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
        found += private_reaches(path.read_text(encoding="utf-8"), module)
    assert found == [], "give it a public name:\n" + "\n".join(found)


def test_the_scan_sees_both_forms() -> None:
    snippet = """
from urikake.receivables.services import _move
from urikake.receivables import services as receivables
import urikake.receivables.services as rs
from urikake.treasury.models import Payout

receivables._move(app)
rs._move(app)
Payout.__name__
receivables.mark_funded(app)
"""
    found = private_reaches(snippet, "urikake.treasury.payouts")
    assert [f.split(":")[1] for f in found] == ["2", "7", "8"], found
    # Inside its own app a private name is fine.
    assert private_reaches(snippet, "urikake.receivables.screening") == []
