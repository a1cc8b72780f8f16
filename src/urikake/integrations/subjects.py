"""Whom a screening vendor is asked about: one company or one person (shared by the
anti-social-forces vendor and the credit bureau, which otherwise know nothing of each other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

SUBJECT_TYPES = frozenset({"company", "person"})
_TEXT_FIELDS = ("name", "name_kana", "corporate_number", "address")


@dataclass(frozen=True)
class Subject:
    """A company (商号, フリガナ, 法人番号, 所在地) or a person (氏名, フリガナ, 生年月日, 住所)."""

    type: str  # "company" | "person"
    name: str
    name_kana: str = ""
    corporate_number: str = ""
    birth_date: date | None = None
    address: str = ""

    def __post_init__(self) -> None:
        if self.type not in SUBJECT_TYPES:
            raise ValueError(f"unknown subject type {self.type!r}")

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "name_kana": self.name_kana,
            "corporate_number": self.corporate_number,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "address": self.address,
        }


def subject_from_json(subject: Any) -> dict[str, Any] | str:
    """The subject of a vendor request, cleaned; or an error message (for simulators)."""
    if not isinstance(subject, dict) or subject.get("type") not in SUBJECT_TYPES:
        return "subject.type must be company or person"
    out: dict[str, Any] = {"type": subject["type"]}
    for name in _TEXT_FIELDS:
        value = subject.get(name) or ""
        if not isinstance(value, str) or len(value) > 300:
            return f"subject.{name} must be text (at most 300 characters)"
        out[name] = value.strip()
    birth = subject.get("birth_date")
    if birth is not None:
        try:
            date.fromisoformat(str(birth))
        except ValueError:
            return "subject.birth_date must be YYYY-MM-DD"
    out["birth_date"] = birth
    return out
