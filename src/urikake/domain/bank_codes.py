"""Bank and branch codes (金融機関コード・支店コード) with their names, from zengin-code data.

Use this module to check that a 金融機関コード / 支店コード exists, to show the bank and
branch name next to an account, and to power "type a few characters, pick your bank"
inputs. Format checks are delegated to :mod:`urikake.domain.identifiers`.

Data source: the ``zengin-code`` package (https://github.com/zengin-code/source-data), which
republishes the 全国銀行協会 (全銀協) 金融機関コード・支店コード data. The data version is the
package version (:func:`data_version`, e.g. ``"1.1.0.20260824"``; the last part is the data
date), so upgrading the package is how the data gets refreshed.

Things to know about the data:

* Names are the short forms used in 全銀 files: ``"みずほ"`` not ``"みずほ銀行"``,
  ``"…信金"`` for 信用金庫, ``"…信組"`` for 信用組合, ``"…農協"`` for 農業協同組合.
  Searches therefore also try the query with those suffixes shortened or dropped.
* ``kana`` is the 全銀 katakana: full-width, small kana written large (``"ミツビシユ－エフ
  ジエイ"``), so searches normalize small kana, half-width kana and hiragana the same way.
* Closed or merged branches **disappear** from the data when it is refreshed. Callers must
  therefore store the bank/branch code *and* the names they showed with an account, and
  must not require an old account's branch to still be found here (use
  :func:`find_branch` and fall back to the stored name).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Generic, Protocol, TypeVar, cast

import jaconv

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_bank_code, parse_branch_code

__all__ = [
    "BankInfo",
    "BranchInfo",
    "data_version",
    "find_bank",
    "find_branch",
    "lookup_bank",
    "lookup_branch",
    "search_banks",
    "search_branches",
]


@dataclass(frozen=True, slots=True)
class BankInfo:
    """A financial institution as listed in the zengin-code data."""

    code: str
    name: str
    kana: str
    hiragana: str
    romaji: str


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """A branch of a financial institution as listed in the zengin-code data."""

    bank_code: str
    code: str
    name: str
    kana: str
    hiragana: str
    romaji: str


# ---------------------------------------------------------------------------------------
# The boundary with the untyped zengin_code package
# ---------------------------------------------------------------------------------------


class _ZenginBranch(Protocol):
    code: str
    name: str
    kana: str
    hira: str
    roma: str


class _ZenginBank(Protocol):
    code: str
    name: str
    kana: str
    hira: str
    roma: str
    branches: Mapping[str, _ZenginBranch]


def _zengin() -> ModuleType:
    # Imported lazily: zengin_code loads ~30,000 branches from JSON at import time (~0.2 s),
    # which code that only needs the identifiers module should not pay for.
    import zengin_code

    return cast(ModuleType, zengin_code)


def _zengin_banks() -> Mapping[str, _ZenginBank]:
    return cast("Mapping[str, _ZenginBank]", _zengin().Bank.all)


def data_version() -> str:
    """The zengin-code package version; its last component is the data date (YYYYMMDD)."""
    return cast(str, _zengin().__version__)


# ---------------------------------------------------------------------------------------
# Lookup
# ---------------------------------------------------------------------------------------


@functools.cache
def _banks() -> dict[str, BankInfo]:
    return {
        code: BankInfo(code, b.name, b.kana, b.hira, b.roma)
        for code, b in sorted(_zengin_banks().items())
    }


@functools.cache
def _branches(bank_code: str) -> dict[str, BranchInfo]:
    bank = _zengin_banks().get(bank_code)
    if bank is None:
        return {}
    return {
        code: BranchInfo(bank_code, code, br.name, br.kana, br.hira, br.roma)
        for code, br in sorted(bank.branches.items())
    }


def lookup_bank(code: str) -> BankInfo:
    """The bank for a 金融機関コード, or DomainError.

    Error codes: ``bank_code.required`` / ``bank_code.format`` (see ``parse_bank_code``),
    ``bank_code.unknown``.
    """
    bank_code = parse_bank_code(code)
    info = _banks().get(bank_code)
    if info is None:
        raise DomainError(
            "bank_code.unknown",
            f"金融機関コード「{bank_code}」は見つかりません",
            field="bank_code",
            params={"bank_code": bank_code},
        )
    return info


def lookup_branch(bank_code: str, branch_code: str) -> BranchInfo:
    """The branch for a 金融機関コード + 支店コード, or DomainError.

    Error codes: those of :func:`lookup_bank`, ``branch_code.required`` /
    ``branch_code.format`` (see ``parse_branch_code``), ``branch_code.unknown``.
    """
    bank = lookup_bank(bank_code)
    code = parse_branch_code(branch_code)
    info = _branches(bank.code).get(code)
    if info is None:
        raise DomainError(
            "branch_code.unknown",
            f"{bank.name}（金融機関コード{bank.code}）に支店コード「{code}」の支店は見つかりません",
            field="branch_code",
            params={"bank_name": bank.name, "bank_code": bank.code, "code": code},
        )
    return info


def find_bank(code: str) -> BankInfo | None:
    """Like :func:`lookup_bank` but ``None`` instead of an error, malformed codes included."""
    try:
        return lookup_bank(code)
    except DomainError:
        return None


def find_branch(bank_code: str, branch_code: str) -> BranchInfo | None:
    """Like :func:`lookup_branch` but ``None`` instead of an error, malformed codes included."""
    try:
        return lookup_branch(bank_code, branch_code)
    except DomainError:
        return None


# ---------------------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------------------

_DASHES = re.compile(r"[\-\u2010-\u2015\u2212\u30fc\uff0d]")
_IGNORED = re.compile(r"[\s・･]+")

# Full institution-type words → the short forms zengin-code names use ("" = dropped).
# Applied only at the end of a query: "みずほ銀行" → "みずほ", "朝日信用金庫" → "朝日信金".
_QUERY_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("銀行", ""),
    ("ギンコウ", ""),
    ("ginkou", ""),
    ("ginko", ""),
    ("bank", ""),
    ("信用金庫", "信金"),
    ("シンヨウキンコ", "シンキン"),
    ("信用組合", "信組"),
    ("シンヨウクミアイ", "シンクミ"),
    ("農業協同組合", "農協"),
    ("漁業協同組合", "漁協"),
)

_EXACT, _PREFIX, _SUBSTRING = 0, 1, 2


def _search_key(s: str) -> str:
    """Fold the ways a name can be typed into one form.

    NFKC: full-width ASCII → ASCII, half-width katakana → full-width (ﾐｽﾞﾎ → ミズホ).
    hira2kata: ひらがな and カタカナ match each other. enlarge_smallkana: 全銀 kana write
    small kana large (ジエイ for ジェイ), so a user's ジェイ must become ジエイ too. Dashes
    and the prolonged sound mark are one character (the data uses "－", users type "ー").
    """
    s = unicodedata.normalize("NFKC", s).casefold()
    s = jaconv.enlarge_smallkana(jaconv.hira2kata(s))
    s = _DASHES.sub("-", s)
    return _IGNORED.sub("", s)


def _query_variants(query: str) -> tuple[str, ...]:
    key = _search_key(query)
    if not key:
        return ()
    variants = [key]
    for suffix, short in _QUERY_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            variants.append(key[: -len(suffix)] + short)
    return tuple(variants)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Entry(Generic[T]):
    code: str
    keys: tuple[str, ...]  # folded name, kana, hiragana, romaji (deduplicated)
    joined: str  # keys joined by "\n": one `in` test rejects most entries quickly
    info: T


def _entry(code: str, name: str, kana: str, hira: str, roma: str, info: T) -> _Entry[T]:
    keys = tuple(dict.fromkeys(_search_key(x) for x in (name, kana, hira, roma) if x))
    return _Entry(code, keys, "\n".join(keys), info)


@functools.cache
def _bank_index() -> tuple[_Entry[BankInfo], ...]:
    return tuple(_entry(b.code, b.name, b.kana, b.hiragana, b.romaji, b) for b in _banks().values())


@functools.cache
def _branch_index(bank_code: str) -> tuple[_Entry[BranchInfo], ...]:
    # Built per bank on first use: a search is always within one bank, and building all
    # ~30,000 branch entries up front would cost far more than any single bank's.
    return tuple(
        _entry(b.code, b.name, b.kana, b.hiragana, b.romaji, b)
        for b in _branches(bank_code).values()
    )


def _rank(entry: _Entry[T], variants: tuple[str, ...]) -> int | None:
    best: int | None = None
    for q in variants:
        if q.isascii() and q.isdigit() and entry.code.startswith(q):
            rank = _EXACT if entry.code == q else _PREFIX
        elif q not in entry.joined:
            continue
        elif q in entry.keys:
            rank = _EXACT
        elif any(k.startswith(q) for k in entry.keys):
            rank = _PREFIX
        else:
            rank = _SUBSTRING
        if best is None or rank < best:
            best = rank
            if best == _EXACT:
                break
    return best


def _search(index: tuple[_Entry[T], ...], query: str, limit: int) -> list[T]:
    if limit < 1:
        raise ValueError("limit must be at least 1")
    variants = _query_variants(query)
    if not variants:
        return []
    hits: list[tuple[int, str, T]] = []
    for entry in index:
        rank = _rank(entry, variants)
        if rank is not None:
            hits.append((rank, entry.code, entry.info))
    hits.sort(key=lambda h: (h[0], h[1]))
    return [info for _, _, info in hits[:limit]]


def search_banks(query: str, limit: int = 20) -> list[BankInfo]:
    """Banks whose code starts with, or whose name/kana/hiragana/romaji contains, ``query``.

    Case-, width- and hiragana/katakana-insensitive (``"ﾐｽﾞﾎ"``, ``"みずほ"``, ``"MIZUHO"``
    all find みずほ). Ordered exact match, then prefix, then substring, then by code. An empty
    query returns ``[]``. Romaji is matched as zengin-code spells it, a letter-for-letter
    reading of the 全銀 kana (東京 → "toukiyou"), so Hepburn such as "tokyo" does not match.
    The first call loads the data and builds the index (~0.25 s); later calls take well under
    a millisecond.
    """
    return _search(_bank_index(), query, limit)


def search_branches(bank_code: str, query: str, limit: int = 50) -> list[BranchInfo]:
    """Branches of one bank matching ``query``, ranked like :func:`search_banks`.

    Raises the errors of :func:`lookup_bank` for a malformed or unknown ``bank_code``.
    """
    bank = lookup_bank(bank_code)
    return _search(_branch_index(bank.code), query, limit)
