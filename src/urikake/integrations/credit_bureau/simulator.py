"""A local credit bureau (信用情報機関): the real protocol over HTTP, no database.

Run it with ``urikake credit_bureau_simulator`` (``make run`` does) or, without Django,
``python -m urikake.integrations.credit_bureau.simulator --port 8769``. Tests start it in a
background thread (``tests/fixtures/screening_vendors.py``).

Bureau API (``Authorization: Bearer <token>`` required)::

    POST /v1/reports  {reference, purpose: "factoring_screening",
                       subject: {type, name, name_kana, corporate_number, birth_date, address}}
         → 200 {report_id, reference, subject_found, as_of, adverse_records: […],
                borrowings: {count, outstanding_yen}, inquiries_last_6_months}

Deterministic answers, so that tests and demos can produce each case (name or フリガナ):

* ``延滞`` / ``エンタイ`` → a 延滞 (delinquency) record;
* ``代位弁済`` / ``ダイイベンサイ`` → a 代位弁済 (subrogation) record;
* ``破産`` / ``ハサン`` → a 破産 (bankruptcy) record;
* ``照会多数`` / ``シヨウカイタスウ`` → 9 inquiries in the last 6 months;
* 法人番号 ``DELINQUENT_CORPORATE_NUMBER`` (``8100000000008``) → a 延滞 record;
* otherwise a clean report; borrowings and 0-2 inquiries derive from a hash of the subject.

Operator endpoints: ``POST /_simulator/outage {"unavailable": bool}``,
``GET /_simulator/reports``, ``GET /healthz``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from urikake.integrations.credit_bureau.adapter import DEV_API_TOKEN, PURPOSE
from urikake.integrations.screening_vendor import (
    ScreeningVendorSimulator,
    add_arguments,
    bad_request,
    run,
)
from urikake.integrations.screening_vendor import main as vendor_main
from urikake.integrations.simulator_base import SimulatorError

TITLE = "信用情報機関 シミュレーター"
__all__ = ["CreditBureauSimulator", "add_arguments", "decide", "run"]

MARKERS = {
    "delinquency": ("延滞", "エンタイ"),
    "subrogation": ("代位弁済", "ダイイベンサイ"),
    "bankruptcy": ("破産", "ハサン"),
}
MANY_INQUIRIES_MARKERS = ("照会多数", "シヨウカイタスウ", "ショウカイタスウ")
DELINQUENT_CORPORATE_NUMBER = "8100000000008"
_RECORD = {
    "delinquency": ("2026-08-31", "銀行", 1_200_000),
    "subrogation": ("2025-11-30", "信用保証協会", 3_000_000),
    "bankruptcy": ("2024-03-15", "裁判所（官報）", 0),
}


def decide(subject: dict[str, Any]) -> dict[str, Any]:
    """The report's body for a validated subject (without ids) — see the module docstring."""
    names = f"{subject['name']} {subject['name_kana']}"
    records = []
    for kind, markers in MARKERS.items():
        if any(m in names for m in markers) or (
            kind == "delinquency" and subject["corporate_number"] == DELINQUENT_CORPORATE_NUMBER
        ):
            registered_on, creditor, amount = _RECORD[kind]
            records.append(
                {
                    "kind": kind,
                    "registered_on": registered_on,
                    "creditor_category": creditor,
                    "amount_yen": amount,
                }
            )
    key = (subject["corporate_number"] or names).encode()
    digest = hashlib.sha256(key).digest()
    count = digest[0] % 4
    inquiries = 9 if any(m in names for m in MANY_INQUIRIES_MARKERS) else digest[1] % 3
    return {
        "subject_found": True,
        "as_of": datetime.now(UTC).date().isoformat(),
        "adverse_records": records,
        "borrowings": {
            "count": count,
            "outstanding_yen": count * (int.from_bytes(digest[2:4], "big") % 50 + 1) * 100_000,
        },
        "inquiries_last_6_months": inquiries,
    }


class CreditBureauSimulator(ScreeningVendorSimulator):
    thread_name = "credit-bureau-simulator"
    api_path = "/v1/reports"
    list_path = "/_simulator/reports"
    list_key = "reports"
    id_field = "report_id"
    id_prefix = "cbr_"

    def __init__(self, host: str = "127.0.0.1", port: int = 8769, token: str = DEV_API_TOKEN):
        super().__init__(host, port, token)

    @property
    def reports(self) -> list[dict[str, Any]]:
        return self.records

    def validate(self, payload: Any) -> tuple[str, dict[str, Any]]:
        if isinstance(payload, dict) and payload.get("purpose") != PURPOSE:
            # A bureau answers only for a declared, permitted purpose (照会目的).
            raise SimulatorError(
                403, "purpose_not_permitted", "purpose must be factoring_screening"
            )
        reference, subject = super().validate(payload)
        if not subject["name"] and not subject["corporate_number"]:
            raise bad_request("subject.name or subject.corporate_number is required")
        return reference, subject

    def decide(self, subject: dict[str, Any]) -> dict[str, Any]:
        return decide(subject)


def main(argv: list[str] | None = None) -> None:
    vendor_main(
        CreditBureauSimulator,
        prog="python -m urikake.integrations.credit_bureau.simulator",
        title=TITLE,
        port=8769,
        env_var="CREDIT_BUREAU_TOKEN",
        dev_token=DEV_API_TOKEN,
        argv=argv,
    )


if __name__ == "__main__":
    main()
