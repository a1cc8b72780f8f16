"""The credit bureau (信用情報機関) and its HTTP implementation.

Urikake asks for one report per subject — a company (法人番号) or a person (the
representative: 氏名, フリガナ, 生年月日) — and gets the bureau's 異動情報 (adverse records:
延滞, 代位弁済, 破産 …), the outstanding borrowings, and how many other lenders asked about
the subject recently, with the bureau's report id. The screening step
(``urikake.receivables.external_checks``) decides what a report means for an application.

:class:`HttpCreditBureau` speaks the protocol in ``docs/screening-vendors.md``; the local
simulator (:mod:`urikake.integrations.credit_bureau.simulator`) speaks the same protocol.

``Subject`` (whom to ask about) is shared with the other screening vendor
(:mod:`urikake.integrations.screening_vendor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from urikake.integrations import connection_names
from urikake.integrations.http import Failure, JsonClient
from urikake.integrations.screening_vendor import Subject, VendorError, ask_vendor

ADVERSE_KINDS = {
    "delinquency": "延滞",
    "subrogation": "代位弁済",
    "bankruptcy": "破産",
    "forced_termination": "強制解約",
    "debt_restructuring": "債務整理",
}
PURPOSE = "factoring_screening"  # 照会目的: 売掛債権買取の審査
DEV_API_TOKEN = "dev-credit-bureau-api-token"  # noqa: S105 # nosec B105 # the published development default
DEFAULT_URL = "http://127.0.0.1:8769"


@dataclass(frozen=True)
class AdverseRecord:
    kind: str  # a key of ADVERSE_KINDS
    registered_on: str
    creditor_category: str
    amount_yen: int

    @property
    def label(self) -> str:
        return ADVERSE_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CreditReport:
    reference_id: str
    subject_found: bool
    adverse_records: tuple[AdverseRecord, ...]
    borrowing_count: int
    outstanding_yen: int
    inquiries_6m: int
    as_of: str
    raw: dict[str, Any]  # the bureau's whole answer, kept as evidence


class CreditBureauError(VendorError):
    """The bureau could not be reached, refused the call or answered nonsense."""


class CreditBureau(Protocol):
    def report(self, subject: Subject, *, reference: str) -> CreditReport: ...


_MESSAGES = {
    Failure.UNREACHABLE: "信用情報機関に接続できませんでした。",
    Failure.REFUSED: "信用情報機関が照会を受け付けませんでした。",
    Failure.BAD_ANSWER: "信用情報機関から予期しない応答がありました。",
}


class HttpCreditBureau:
    """``POST /v1/reports`` with ``Authorization: Bearer <token>``, JSON in and out."""

    def __init__(self, base_url: str, token: str, timeout: float = 10) -> None:
        self.client = JsonClient(
            base_url,
            token,
            connection=connection_names.CREDIT_BUREAU,
            url_setting="CREDIT_BUREAU_URL",
            credential_label="credit bureau API token",
            user_agent="urikake-credit-bureau/1",
            timeout=timeout,
        )

    def report(self, subject: Subject, *, reference: str) -> CreditReport:
        answer = ask_vendor(
            self.client,
            "/v1/reports",
            {"reference": reference, "purpose": PURPOSE, "subject": subject.as_json()},
            messages=_MESSAGES,
            error=CreditBureauError,
        )
        return _report_from(answer)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _report_from(answer: dict[str, Any]) -> CreditReport:
    bad = CreditBureauError(
        _MESSAGES[Failure.BAD_ANSWER], detail="report fields missing or invalid"
    )
    reference_id = answer.get("report_id")
    records = answer.get("adverse_records")
    borrowings = answer.get("borrowings")
    inquiries = _int(answer.get("inquiries_last_6_months"))
    if (
        not isinstance(reference_id, str)
        or not 0 < len(reference_id) <= 100
        or not isinstance(answer.get("subject_found"), bool)
        or not isinstance(records, list)
        or not isinstance(borrowings, dict)
        or inquiries is None
    ):
        raise bad
    count = _int(borrowings.get("count"))
    outstanding = _int(borrowings.get("outstanding_yen"))
    if count is None or outstanding is None:
        raise bad
    adverse = []
    for r in records[:100]:
        if not isinstance(r, dict) or r.get("kind") not in ADVERSE_KINDS:
            raise bad
        adverse.append(
            AdverseRecord(
                kind=r["kind"],
                registered_on=str(r.get("registered_on", ""))[:20],
                creditor_category=str(r.get("creditor_category", ""))[:50],
                amount_yen=_int(r.get("amount_yen")) or 0,
            )
        )
    return CreditReport(
        reference_id=reference_id,
        subject_found=answer["subject_found"],
        adverse_records=tuple(adverse),
        borrowing_count=count,
        outstanding_yen=outstanding,
        inquiries_6m=inquiries,
        as_of=str(answer.get("as_of", ""))[:20],
        raw=answer,
    )


def bureau_from_settings() -> CreditBureau:
    """The configured bureau (``CREDIT_BUREAU_URL``, ``CREDIT_BUREAU_TOKEN``)."""
    from django.conf import settings

    try:
        return HttpCreditBureau(
            settings.CREDIT_BUREAU_URL,
            settings.CREDIT_BUREAU_TOKEN,
            timeout=settings.SCREENING_VENDOR_TIMEOUT_SECONDS,
        )
    except ValueError as exc:  # a missing token or a bad URL: a failure, not a crash
        raise CreditBureauError(
            "信用情報機関の接続設定に誤りがあります。", detail=str(exc)
        ) from exc
