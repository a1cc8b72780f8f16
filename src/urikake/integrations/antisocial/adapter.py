"""The anti-social-forces screening vendor (反社チェック) and its HTTP implementation.

Urikake asks the vendor about one subject at a time — a company (商号, フリガナ, 法人番号,
所在地) or a person (氏名, フリガナ, 生年月日, 住所) — and gets one of three results:
``no_hit`` (no match), ``hit`` (a confirmed match) or ``review`` (a possible match a person
must look at), with the matching records and the vendor's reference id. The screening step
(``urikake.receivables.external_checks``) decides what a result means for an application.

:class:`HttpAntisocialVendor` speaks the protocol in ``docs/screening-vendors.md``; the local
simulator (:mod:`urikake.integrations.antisocial.simulator`) speaks the same protocol.
HTTP goes through the shared client (:mod:`urikake.integrations.http`).

``Subject`` (whom to ask about) is shared with the other screening vendor
(:mod:`urikake.integrations.screening_vendor`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from urikake.integrations import connection_names
from urikake.integrations.http import Failure, JsonClient
from urikake.integrations.screening_vendor import Subject, VendorError, ask_vendor

RESULTS = frozenset({"no_hit", "hit", "review"})
DEV_API_TOKEN = "dev-antisocial-api-token"  # noqa: S105 # nosec B105 # the published development default
DEFAULT_URL = "http://127.0.0.1:8768"


@dataclass(frozen=True)
class Match:
    category: str  # e.g. 暴力団関係者, 特殊知能暴力集団, 反社会的勢力との関係が報道された企業
    matched_name: str
    score: float  # the vendor's similarity, 0..1
    source: str  # where the record comes from (報道, 官報, 警察発表 …)
    listed_on: str = ""


@dataclass(frozen=True)
class ScreeningAnswer:
    reference_id: str
    result: str  # one of RESULTS
    matches: tuple[Match, ...]
    checked_at: str
    raw: dict[str, Any]  # the vendor's whole answer, kept as evidence


class AntisocialVendorError(VendorError):
    """The 反社 vendor could not be reached, refused the call or answered nonsense."""


class AntisocialVendor(Protocol):
    def screen(self, subject: Subject, *, reference: str) -> ScreeningAnswer: ...


_MESSAGES = {
    Failure.UNREACHABLE: "反社チェックのサービスに接続できませんでした。",
    Failure.REFUSED: "反社チェックのサービスが照会を受け付けませんでした。",
    Failure.BAD_ANSWER: "反社チェックのサービスから予期しない応答がありました。",
}


class HttpAntisocialVendor:
    """``POST /v1/screenings`` with ``Authorization: Bearer <token>``, JSON in and out."""

    def __init__(self, base_url: str, token: str, timeout: float = 10) -> None:
        self.client = JsonClient(
            base_url,
            token,
            connection=connection_names.ANTISOCIAL_SCREENING,
            url_setting="ANTISOCIAL_SCREENING_URL",
            credential_label="anti-social-forces screening API token",
            user_agent="urikake-antisocial/1",
            timeout=timeout,
        )

    def screen(self, subject: Subject, *, reference: str) -> ScreeningAnswer:
        answer = ask_vendor(
            self.client,
            "/v1/screenings",
            {"reference": reference, "subject": subject.as_json()},
            messages=_MESSAGES,
            error=AntisocialVendorError,
        )
        return _answer_from(answer)


def _answer_from(answer: dict[str, Any]) -> ScreeningAnswer:
    bad = AntisocialVendorError(
        _MESSAGES[Failure.BAD_ANSWER], detail="screening_id/result/matches missing or invalid"
    )
    reference_id = answer.get("screening_id")
    result = answer.get("result")
    raw_matches = answer.get("matches")
    if (
        not isinstance(reference_id, str)
        or not 0 < len(reference_id) <= 100
        or result not in RESULTS
        or not isinstance(raw_matches, list)
        or (result != "no_hit" and not raw_matches)
    ):
        raise bad
    matches = []
    for m in raw_matches[:50]:
        if not isinstance(m, dict):
            raise bad
        score = m.get("score", 0)
        matches.append(
            Match(
                category=str(m.get("category", ""))[:100],
                matched_name=str(m.get("matched_name", ""))[:200],
                score=float(score) if isinstance(score, int | float) else 0.0,
                source=str(m.get("source", ""))[:100],
                listed_on=str(m.get("listed_on", ""))[:20],
            )
        )
    return ScreeningAnswer(
        reference_id=reference_id,
        result=str(result),
        matches=tuple(matches),
        checked_at=str(answer.get("checked_at", ""))[:40],
        raw=answer,
    )


def vendor_from_settings() -> AntisocialVendor:
    """The configured vendor (``ANTISOCIAL_SCREENING_URL``, ``ANTISOCIAL_SCREENING_TOKEN``)."""
    from django.conf import settings

    try:
        return HttpAntisocialVendor(
            settings.ANTISOCIAL_SCREENING_URL,
            settings.ANTISOCIAL_SCREENING_TOKEN,
            timeout=settings.SCREENING_VENDOR_TIMEOUT_SECONDS,
        )
    except ValueError as exc:  # a missing token or a bad URL: a failure, not a crash
        raise AntisocialVendorError(
            "反社チェックのサービスの接続設定に誤りがあります。", detail=str(exc)
        ) from exc
