"""A local anti-social-forces screening vendor: the real protocol over HTTP, no database.

Run it with ``urikake antisocial_simulator`` (``make run`` does) or, without Django,
``python -m urikake.integrations.antisocial.simulator --port 8768``. Tests start it in a
background thread (``tests/fixtures/screening_vendors.py``).

Vendor API (``Authorization: Bearer <token>`` required)::

    POST /v1/screenings  {reference, subject: {type, name, name_kana, corporate_number,
                          birth_date, address}}
         → 200 {screening_id, reference, result: no_hit|hit|review, matches: […],
                checked_at, database_version}

The answer is decided by the subject, so that tests and demos can produce each result:

* **hit** — the name or フリガナ contains ``反社`` or ``ハンシャ``, or the 法人番号 is
  ``HIT_CORPORATE_NUMBER`` (``7100000000009``);
* **review** (a possible match: same name, other details differ) — the name or フリガナ
  contains ``要確認`` or ``ヨウカクニン``;
* **no_hit** otherwise.

Operator endpoints (tests and demos; no token, so bind to loopback only)::

    POST /_simulator/outage   {"unavailable": true|false}  every screening answers 503
    GET  /_simulator/screenings                           what was asked (JSON)
    GET  /healthz
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from urikake.integrations.antisocial.adapter import DEV_API_TOKEN
from urikake.integrations.screening_vendor import (
    ScreeningVendorSimulator,
    add_arguments,
    bad_request,
    run,
)
from urikake.integrations.screening_vendor import main as vendor_main

HIT_MARKERS = ("反社", "ハンシャ")
REVIEW_MARKERS = ("要確認", "ヨウカクニン")
HIT_CORPORATE_NUMBER = "7100000000009"
DATABASE_VERSION = "2026-12-01"
TITLE = "反社チェック シミュレーター"
__all__ = ["AntisocialSimulator", "add_arguments", "decide", "run"]


def decide(subject: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(result, matches) for a validated subject — deterministic, see the module docstring."""
    names = f"{subject['name']} {subject['name_kana']}"
    who = subject["name"]
    if any(m in names for m in HIT_MARKERS) or subject["corporate_number"] == HIT_CORPORATE_NUMBER:
        company = subject["type"] == "company"
        category = "反社会的勢力との関係が報道された企業" if company else "暴力団関係者"
        match = {
            "category": category,
            "score": 0.98,
            "source": "新聞報道",
            "listed_on": "2021-06-15",
        }
        return "hit", [{"matched_name": who, **match}]
    if any(m in names for m in REVIEW_MARKERS):
        match = {"category": "同姓同名・類似名称の記録", "score": 0.71, "source": "官報"}
        return "review", [{"matched_name": who, "listed_on": "2018-02-01", **match}]
    return "no_hit", []


class AntisocialSimulator(ScreeningVendorSimulator):
    thread_name = "antisocial-simulator"
    api_path = "/v1/screenings"
    list_path = "/_simulator/screenings"
    list_key = "screenings"
    id_field = "screening_id"
    id_prefix = "asc_"

    def __init__(self, host: str = "127.0.0.1", port: int = 8768, token: str = DEV_API_TOKEN):
        super().__init__(host, port, token)

    @property
    def screenings(self) -> list[dict[str, Any]]:
        return self.records

    def validate(self, payload: Any) -> tuple[str, dict[str, Any]]:
        reference, subject = super().validate(payload)
        if not subject["name"]:
            raise bad_request("subject.name is required")
        return reference, subject

    def decide(self, subject: dict[str, Any]) -> dict[str, Any]:
        result, matches = decide(subject)
        return {
            "result": result,
            "matches": matches,
            "checked_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "database_version": DATABASE_VERSION,
        }


def main(argv: list[str] | None = None) -> None:
    vendor_main(
        AntisocialSimulator,
        prog="python -m urikake.integrations.antisocial.simulator",
        title=TITLE,
        port=8768,
        env_var="ANTISOCIAL_SCREENING_TOKEN",
        dev_token=DEV_API_TOKEN,
        argv=argv,
    )


if __name__ == "__main__":
    main()
