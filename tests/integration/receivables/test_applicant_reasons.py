"""The applicant reads the same reasons on the application page, in the decline mail and in
the API (``urikake.receivables.reasons``): plain sentences, never a score, a grade or an
internal code."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import make_deal
from tests.fixtures.pages import visible_text
from urikake.domain.applications import ApplicationStatus
from urikake.notifications.models import Notification
from urikake.receivables import notices
from urikake.receivables.models import FinancingApplication
from urikake.receivables.reasons import GENERAL_DECLINE_REASON, applicant_reasons, sentences

pytestmark = pytest.mark.django_db

VENDOR_TEXT = "総合的な審査の結果、今回はお取引を見送らせていただきます。"
CLAUSE_TEXT = "請求書に債権の譲渡を禁止する特約があります。"
SELF_DEALING = "売掛先が申込者自身です。"
DUE_PAST = "支払期日が過ぎています。"
# What staff read and the applicant never does.
INTERNAL = (
    "87点",
    "グレード",
    "score",
    "asc_",
    "risk.default.high",
    "fraud.self_dealing",
    "external.antisocial.hit",
    "approve",
)


def _screened_result(invoice_id: int, number: str) -> dict[str, Any]:
    return {
        "outcome": "decline",
        "reasons": [
            {
                "code": "external.antisocial.hit",
                "message": "反社チェック（申込者）: 該当あり asc_123",
                "applicant_message": VENDOR_TEXT,
                "applicant_code": "screening.declined",
            },
            {"code": "line.model", "message": "与信枠の判定 score=87"},
        ],
        "invoices": [
            {
                "invoice": invoice_id,
                "invoice_number": number,
                "debtor": "株式会社買主",
                "outcome": "decline",
                "reasons": [
                    {"code": "fraud.self_dealing", "message": SELF_DEALING},
                    {"code": "risk.default.high", "message": "支払遅延リスクが高（87点）です。"},
                    {
                        "code": "assignment.restricted",
                        "message": "譲渡禁止特約あり（未解除）",
                        "applicant_message": CLAUSE_TEXT,
                    },
                    {"code": "invoice.due_past", "message": DUE_PAST},
                    {"code": "approve", "message": "リスク評価はグレードBです。"},
                    {"code": "fraud.self_dealing", "message": SELF_DEALING},
                ],
            }
        ],
    }


def _declined(result_for: Any) -> tuple[Any, FinancingApplication]:
    deal = make_deal(accept=False)
    app = deal.application
    app.status = ApplicationStatus.DECLINED
    app.screening_result = result_for(deal.invoice)
    app.save()
    return deal, FinancingApplication.objects.get(pk=app.pk)


def _three_ways(
    deal: Any, app: FinancingApplication, smtp_server: Any, capture: Any
) -> tuple[str, list[str], list[dict[str, Any]]]:
    client = applicant_client(deal.user)
    page = client.get(reverse("receivables:application", args=[app.pk]))
    assert page.status_code == 200
    with capture(execute=True):
        notices.decided(app)
    mailed = Notification.objects.get(event="application_declined").context["reasons"]
    mail = smtp_server.wait_for(deal.user.email, subject_contains="審査結果のお知らせ")
    assert all(text in smtp_server.body(mail) for text in mailed)
    api = client.get(f"/api/receivables/applications/{app.pk}")
    assert api.status_code == 200
    return "\n".join(visible_text(page.content.decode())), mailed, api.json()["reasons"]


def test_page_mail_and_api_tell_the_same_reasons(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    deal, app = _declined(lambda inv: _screened_result(inv.pk, inv.invoice_number))
    shown = applicant_reasons(app)
    assert [(r.invoice, r.code, r.message) for r in shown] == [
        (None, "screening.declined", VENDOR_TEXT),
        (deal.invoice.pk, "screening.declined", SELF_DEALING),
        (deal.invoice.pk, "assignment.restricted", CLAUSE_TEXT),
        (deal.invoice.pk, "invoice.due_past", DUE_PAST),
    ]

    page, mailed, api = _three_ways(deal, app, smtp_server, django_capture_on_commit_callbacks)

    assert mailed == sentences(shown) == [VENDOR_TEXT, SELF_DEALING, CLAUSE_TEXT, DUE_PAST]
    assert api == [{"invoice": r.invoice, "code": r.code, "message": r.message} for r in shown]
    for text in mailed:
        assert text in page
    assert deal.invoice.invoice_number in page  # the invoice's reasons under its heading
    for internal in INTERNAL:
        assert internal not in page
        assert all(internal not in text for text in mailed)
        assert all(internal not in r["message"] for r in api)
    assert not any(r["code"].startswith(("risk.", "fraud.", "external.")) for r in api)


def test_a_decline_with_nothing_to_show_gives_the_general_sentence_everywhere(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def only_model_talk(inv: Any) -> dict[str, Any]:
        return {
            "outcome": "decline",
            "reasons": [],
            "invoices": [
                {
                    "invoice": inv.pk,
                    "invoice_number": inv.invoice_number,
                    "debtor": "株式会社買主",
                    "outcome": "decline",
                    "reasons": [{"code": "risk.fraud.high", "message": "不正リスクが高（90点）"}],
                }
            ],
        }

    deal, app = _declined(only_model_talk)
    page, mailed, api = _three_ways(deal, app, smtp_server, django_capture_on_commit_callbacks)
    assert mailed == [GENERAL_DECLINE_REASON]
    assert api == [
        {"invoice": None, "code": "screening.declined", "message": GENERAL_DECLINE_REASON}
    ]
    assert GENERAL_DECLINE_REASON in page
    assert "90点" not in page
