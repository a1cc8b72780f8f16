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

import argparse
import base64
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from urikake.integrations.credit_bureau.adapter import DEV_API_TOKEN, PURPOSE
from urikake.integrations.simulator_base import (
    JsonApiHandler,
    LocalHttpSimulator,
    QuietServer,
    SimulatorError,
    is_loopback,
)
from urikake.integrations.subjects import subject_from_json

MARKERS = {
    "delinquency": ("延滞", "エンタイ"),
    "subrogation": ("代位弁済", "ダイイベンサイ"),
    "bankruptcy": ("破産", "ハサン"),
}
MANY_INQUIRIES_MARKERS = ("照会多数", "シヨウカイタスウ", "ショウカイタスウ")
DELINQUENT_CORPORATE_NUMBER = "8100000000008"
MAX_KEPT = 1000
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


def validate(payload: Any) -> tuple[str, dict[str, Any]]:
    def bad(message: str) -> SimulatorError:
        return SimulatorError(400, "invalid_request", message)

    if not isinstance(payload, dict):
        raise bad("body must be a JSON object")
    reference = payload.get("reference")
    subject = payload.get("subject")
    if not isinstance(reference, str) or not 0 < len(reference) <= 100:
        raise bad("reference must be 1-100 characters")
    if payload.get("purpose") != PURPOSE:
        # A bureau answers only for a declared, permitted purpose (照会目的).
        raise SimulatorError(403, "purpose_not_permitted", "purpose must be factoring_screening")
    out = subject_from_json(subject)
    if isinstance(out, str):
        raise bad(out)
    if not out["name"] and not out["corporate_number"]:
        raise bad("subject.name or subject.corporate_number is required")
    return reference, out


class CreditBureauSimulator(LocalHttpSimulator):
    thread_name = "credit-bureau-simulator"

    def __init__(self, host: str = "127.0.0.1", port: int = 8769, token: str = DEV_API_TOKEN):
        if not token:
            raise ValueError("the simulator needs an API token")
        self.token = token
        self.unavailable = False
        self.reports: list[dict[str, Any]] = []
        self._by_reference: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = QuietServer((host, port), _Handler)
        self._server.simulator = self

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.reports)

    def report(self, payload: Any) -> dict[str, Any]:
        reference, subject = validate(payload)
        with self._lock:
            known = self._by_reference.get(reference)
            if known is not None:  # idempotent per reference
                return known
            answer = {
                "report_id": "cbr_" + base64.b32encode(os.urandom(10)).decode().lower(),
                "reference": reference,
                **decide(subject),
            }
            self.reports.append({"subject": subject, **answer})
            self._by_reference[reference] = answer
            if len(self.reports) > MAX_KEPT:
                old = self.reports.pop(0)
                self._by_reference.pop(old["reference"], None)
        return answer


class _Handler(JsonApiHandler):
    server_version = "UrikakeCreditBureauSimulator/1"
    logger_name = "urikake.credit_bureau_simulator"

    def route(self, method: str, path: str) -> None:
        sim: CreditBureauSimulator = self.simulator
        if method == "POST" and path == "/v1/reports":
            self.authorize(sim.token)
            if sim.unavailable:
                raise SimulatorError(503, "service_unavailable", "bureau temporarily down")
            self.send_json(200, sim.report(self.read_json()))
        elif method == "POST" and path == "/_simulator/outage":
            data = self.read_json()
            if not isinstance(data, dict) or not isinstance(data.get("unavailable"), bool):
                raise SimulatorError(400, "invalid_request", '{"unavailable": true|false}')
            sim.unavailable = data["unavailable"]
            self.send_json(200, {"unavailable": sim.unavailable})
        elif method == "GET" and path == "/_simulator/reports":
            with sim._lock:
                self.send_json(200, {"reports": list(sim.reports)})
        elif path in {"/v1/reports", "/_simulator/outage", "/_simulator/reports"}:
            raise SimulatorError(405, "method_not_allowed", "method not allowed")
        else:
            raise SimulatorError(404, "not_found", "no such endpoint")


def add_arguments(parser: Any) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8769)


def run(*, host: str, port: int, token: str, write: Callable[[str], Any]) -> None:
    simulator = CreditBureauSimulator(host, port, token)
    if not is_loopback(host):
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    write(f"信用情報機関 シミュレーター: {simulator.url}")
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m urikake.integrations.credit_bureau.simulator",
        description="ローカル信用情報機関シミュレーター (development and tests only)",
    )
    add_arguments(parser)
    parser.add_argument("--token", default=os.environ.get("CREDIT_BUREAU_TOKEN") or DEV_API_TOKEN)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(host=args.host, port=args.port, token=args.token, write=print)


if __name__ == "__main__":
    main()
