"""Every form control on the applicant pages has a label, and no page carries inline script."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from urikake.applicants.models import Membership

from .conftest import add_member, invite, make_org, make_user

pytestmark = pytest.mark.django_db


class FormAudit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag == "script" and not a.get("src"):
            self.inline_scripts += 1
        elif tag in {"input", "select", "textarea"}:
            if a.get("type") in {"hidden", "submit", "button"}:
                return
            self.controls.append({**a, "_wrapped": "1" if self.label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.label_depth -= 1

    def unlabelled(self) -> list[dict[str, str | None]]:
        return [
            c
            for c in self.controls
            if not c["_wrapped"] and c.get("id") not in self.label_for and not c.get("aria-label")
        ]


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


def test_pages_label_every_control_and_have_no_inline_script(client, logged_in):
    owner, org = make_org()
    add_member(org, "member@example.com")
    raw = invite(org, "new@example.com", acting_user=owner)
    owner_client = logged_in(owner)
    payout = reverse("applicants:onboarding_payout")
    pages = {
        "signup": client.get(reverse("applicants:signup")),
        "invitation": client.get(reverse("applicants:invitation", args=[raw])),
        "kind": logged_in(make_user("nobody@example.com")).get(
            reverse("applicants:onboarding_profile")
        ),
        "corporation": owner_client.get(reverse("applicants:onboarding_profile")),
        "sole": owner_client.get(
            reverse("applicants:onboarding_profile"), {"kind": "sole_proprietor"}
        ),
        "phone": owner_client.get(reverse("applicants:onboarding_phone")),
        "bank": owner_client.get(payout, {"bank_q": "みずほ"}),
        "branch": owner_client.get(payout, {"bank": "0001", "branch_q": "東京"}),
        "account": owner_client.get(payout, {"bank": "0001", "branch": "001"}),
        "notifications": owner_client.get(reverse("applicants:onboarding_notifications")),
        "consent": owner_client.get(reverse("applicants:consent")),
        "members": owner_client.get(reverse("applicants:members")),
        "remove": owner_client.get(
            reverse(
                "applicants:member_remove",
                args=[Membership.objects.get(user__email="member@example.com").pk],
            )
        ),
        "home": owner_client.get(reverse("applicants:home")),
        "terms": client.get(reverse("applicants:terms")),
        "privacy": client.get(reverse("applicants:privacy")),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        result = audit(response.content.decode())
        assert result.unlabelled() == [], name
        assert result.inline_scripts == 0, name
    assert pages["account"].content.decode().count("<input") >= 3


def test_bank_search_script_is_served_from_static():
    assert finders.find("applicants/bank-search.js")
    assert finders.find("applicants/applicants.css")


def test_home_lists_what_is_left_and_links_to_each_page(logged_in):
    owner, _org = make_org()
    html = logged_in(owner).get(reverse("applicants:home")).content.decode()
    assert html.count("status-todo") == 4  # phone, payout, notifications, eKYC
    for name in (
        "onboarding_profile",
        "onboarding_phone",
        "onboarding_payout",
        "onboarding_notifications",
        "members",
        "consent",
    ):
        assert reverse(f"applicants:{name}") in html
    assert "本人確認（eKYC）" in html
