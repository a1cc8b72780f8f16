"""What an applicant is told about the screening of an application — one decision, read by
the application page, the decline mail and the JSON API, so that the three say the same.

Screening stores its reasons for staff (``screening_result``: for the application and for
each invoice, ``code`` and ``message``). Some reasons also carry a sentence written for the
applicant (``applicant_message``: a vendor finding, an anti-assignment clause) and a general
code (``applicant_code``: which list matched is not the applicant's to know). The applicant
reads:

* the ``applicant_message`` where there is one, else the staff message — unless it speaks of
  the model (a score, a grade, a probability): that reason stays with staff;
* each sentence once for the application and once per invoice;
* on a declined application with nothing else to say, :data:`GENERAL_DECLINE_REASON`.

Beside each sentence the API shows a code an applicant may read: the ``applicant_code``, else
the reason's own code where it is about what the applicant sent or agreed (an invoice's
fields, the amount, a clause, the credit line, the price), else a general
``screening.declined`` / ``screening.review``. Never a risk, fraud or vendor code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from urikake.domain.applications import ApplicationStatus
from urikake.receivables.models import FinancingApplication

GENERAL_DECLINE_REASON = (
    "請求書の内容、売掛先のお支払い実績、ご利用状況などを総合的に確認した結果です。"
)
DECLINED = "screening.declined"
REVIEW = "screening.review"

# A staff message that speaks of the model: its probability, grades and scores (「87点」).
_MODEL_TALK = re.compile(r"スコア|確率|グレード|モデル|score|grade|SYNTHETIC|\d+\s*点", re.I)
# Reason codes about what the applicant sent or agreed to: theirs to read and act on.
_APPLICANT_FAMILIES = (
    "invoice.",
    "amount.",
    "assignment.",
    "credit_line.",
    "pricing.",
    "screening.",
)


@dataclass(frozen=True)
class ApplicantReason:
    """One sentence for the applicant; ``invoice`` None: about the application as a whole."""

    invoice: int | None
    invoice_number: str
    debtor: str
    code: str
    message: str


def _code(reason: dict[str, Any], outcome: str) -> str:
    given = reason.get("applicant_code")
    if isinstance(given, str) and given:
        return given
    own = str(reason.get("code") or "")
    if own.startswith(_APPLICANT_FAMILIES):
        return own
    return DECLINED if outcome == "decline" else REVIEW


def _sentences(
    reasons: list[dict[str, Any]], outcome: str, *, invoice: int | None, number: str, debtor: str
) -> list[ApplicantReason]:
    out: list[ApplicantReason] = []
    seen: set[str] = set()
    for r in reasons:
        plain = r.get("applicant_message")
        if isinstance(plain, str) and plain:
            text = plain
        else:
            text = str(r.get("message") or "")
            if _MODEL_TALK.search(text):
                continue
        if text and text not in seen:
            seen.add(text)
            out.append(ApplicantReason(invoice, number, debtor, _code(r, outcome), text))
    return out


def applicant_reasons(application: FinancingApplication) -> list[ApplicantReason]:
    """The screening's reasons as the applicant reads them: the application's first, then
    each invoice's, in the screening's order."""
    result = application.screening_result or {}
    out = _sentences(
        result.get("reasons", []),
        str(result.get("outcome") or ""),
        invoice=None,
        number="",
        debtor="",
    )
    for item in result.get("invoices", []):
        out += _sentences(
            item.get("reasons", []),
            str(item.get("outcome") or ""),
            invoice=item.get("invoice"),
            number=str(item.get("invoice_number") or ""),
            debtor=str(item.get("debtor") or ""),
        )
    if not out and application.status == ApplicationStatus.DECLINED:
        out.append(ApplicantReason(None, "", "", DECLINED, GENERAL_DECLINE_REASON))
    return out


def sentences(reasons: list[ApplicantReason]) -> list[str]:
    """The sentences once each, in order (a mail lists them without the invoices)."""
    return list(dict.fromkeys(r.message for r in reasons))
