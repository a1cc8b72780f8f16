"""Consent to the 利用規約 and プライバシーポリシー: asked again after a revision, withdrawable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from urikake.applicants import services, terms
from urikake.applicants.models import Consent
from urikake.audit.models import AuditRecord

from .conftest import current_versions, make_org

pytestmark = pytest.mark.django_db

HOME = reverse("applicants:home")
CONSENT = reverse("applicants:consent")


@pytest.fixture
def revise_terms(monkeypatch):
    """Publish a new 利用規約 (what changing terms.py's version does in a release)."""

    def revise() -> None:
        monkeypatch.setitem(
            terms.CURRENT,
            terms.Document.TERMS,
            terms.Version(terms.Document.TERMS, "2099-01-01", "applicants/terms/terms.html"),
        )

    return revise


def test_current_consent_lets_applicants_through(logged_in):
    owner, _org = make_org()
    assert logged_in(owner).get(HOME).status_code == 200


def test_revised_terms_are_asked_again_and_the_user_returns_where_they_were(
    logged_in, revise_terms
):
    owner, _org = make_org()
    revise_terms()
    client = logged_in(owner)
    members = reverse("applicants:members")
    response = client.get(members)
    assert response.status_code == 302
    assert response.url == f"{CONSENT}?next=%2Fmy%2Fmembers%2F"
    page = client.get(response.url).content.decode()
    assert "改定されたか" in page
    assert "2099-01-01" in page

    # Every applicant page is gated, not only my page.
    assert client.get(reverse("applicants:onboarding_phone")).url.startswith(CONSENT)
    # Public pages stay open, so the new text can be read.
    assert client.get(reverse("applicants:terms")).status_code == 200

    response = client.post(
        CONSENT,
        {
            "action": "give",
            "next": members,
            "agree_terms": "on",
            "agree_privacy": "on",
            **current_versions(),
        },
    )
    assert response.status_code == 302
    assert response.url == members
    assert client.get(members).status_code == 200
    latest = Consent.objects.filter(user=owner, document="terms").latest("at", "pk")
    assert (latest.version, latest.action, latest.ip) == ("2099-01-01", "given", "127.0.0.1")
    assert AuditRecord.objects.filter(action="consent.given").last().payload == {
        "terms_version": "2099-01-01",
        "privacy_version": terms.current_versions()["privacy"],
    }


def test_consent_needs_both_boxes(logged_in, revise_terms):
    owner, _org = make_org()
    revise_terms()
    client = logged_in(owner)
    response = client.post(CONSENT, {"action": "give", "agree_terms": "on", **current_versions()})
    assert response.status_code == 200
    assert "プライバシーポリシーへの同意が必要です" in response.content.decode()
    assert not services.has_current_consent(owner)


def test_offsite_next_is_ignored(logged_in, revise_terms):
    owner, _org = make_org()
    revise_terms()
    response = logged_in(owner).post(
        CONSENT,
        {
            "action": "give",
            "next": "https://evil.example/",
            "agree_terms": "on",
            "agree_privacy": "on",
            **current_versions(),
        },
    )
    assert response.url == reverse("applicants:onboarding")


def test_withdrawing_consent_is_recorded_and_locks_applicant_pages(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    response = client.post(CONSENT, {"action": "withdraw"})
    assert response.status_code == 302
    rows = Consent.objects.filter(user=owner, action="withdrawn")
    assert {r.document for r in rows} == {"terms", "privacy"}
    record = AuditRecord.objects.get(action="consent.withdrawn")
    assert record.actor == f"user:{owner.pk}"
    assert client.get(HOME).url.startswith(CONSENT)
    # The consent page itself stays reachable, to agree again.
    assert client.get(CONSENT).status_code == 200


def test_nothing_to_withdraw_is_refused_without_a_record(logged_in):
    owner, _org = make_org()
    client = logged_in(owner)
    client.post(CONSENT, {"action": "withdraw"})
    client.post(CONSENT, {"action": "withdraw"})
    assert AuditRecord.objects.filter(action="consent.withdrawn").count() == 1
