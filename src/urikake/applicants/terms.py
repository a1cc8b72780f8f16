"""The legal documents an applicant agrees to, and their current versions.

A version is a date string (the day the text takes effect). Publishing a new text means: add
its template under ``templates/applicants/terms/``, then change the version here. Every user
whose latest consent names an older version is asked again on their next applicant page
(:mod:`urikake.applicants.middleware`); what they agreed to before stays recorded in
:class:`urikake.applicants.models.Consent`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Document(models.TextChoices):
    TERMS = "terms", _("利用規約")
    PRIVACY = "privacy", _("プライバシーポリシー")


@dataclass(frozen=True)
class Version:
    document: Document
    version: str  # "YYYY-MM-DD", the day it takes effect
    template: str  # the text shown at /terms/ or /privacy/

    @property
    def title(self) -> str:
        return str(self.document.label)


# The versions in force. Tests change an entry of this dict (monkeypatch.setitem) to simulate
# publishing a new text; code reads it only through current_version()/current_versions().
CURRENT: dict[Document, Version] = {
    Document.TERMS: Version(Document.TERMS, "2026-12-01", "applicants/terms/terms_2026-12-01.html"),
    Document.PRIVACY: Version(
        Document.PRIVACY, "2026-12-01", "applicants/terms/privacy_2026-12-01.html"
    ),
}


def current_version(document: Document) -> Version:
    return CURRENT[document]


def current_versions() -> dict[str, str]:
    """``{"terms": "2026-04-01", "privacy": "2026-04-01"}`` — what a consent must name."""
    return {str(doc.value): v.version for doc, v in CURRENT.items()}
