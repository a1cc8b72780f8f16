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

import argparse
import base64
import contextlib
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from urikake.integrations.antisocial.adapter import DEV_API_TOKEN, RESULTS
from urikake.integrations.simulator_base import (
    JsonApiHandler,
    LocalHttpSimulator,
    QuietServer,
    SimulatorError,
    is_loopback,
)
from urikake.integrations.subjects import subject_from_json

HIT_MARKERS = ("反社", "ハンシャ")
REVIEW_MARKERS = ("要確認", "ヨウカクニン")
HIT_CORPORATE_NUMBER = "7100000000009"
DATABASE_VERSION = "2026-12-01"
MAX_KEPT = 1000


def decide(subject: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(result, matches) for a validated subject — deterministic, see the module docstring."""
    names = f"{subject['name']} {subject['name_kana']}"
    who = subject["name"]
    if any(m in names for m in HIT_MARKERS) or subject["corporate_number"] == HIT_CORPORATE_NUMBER:
        category = (
            "反社会的勢力との関係が報道された企業"
            if subject["type"] == "company"
            else ("暴力団関係者")
        )
        return "hit", [
            {
                "category": category,
                "matched_name": who,
                "score": 0.98,
                "source": "新聞報道",
                "listed_on": "2021-06-15",
            }
        ]
    if any(m in names for m in REVIEW_MARKERS):
        return "review", [
            {
                "category": "同姓同名・類似名称の記録",
                "matched_name": who,
                "score": 0.71,
                "source": "官報",
                "listed_on": "2018-02-01",
            }
        ]
    return "no_hit", []


def validate(payload: Any) -> tuple[str, dict[str, Any]]:
    def bad(message: str) -> SimulatorError:
        return SimulatorError(400, "invalid_request", message)

    if not isinstance(payload, dict):
        raise bad("body must be a JSON object")
    reference = payload.get("reference")
    subject = payload.get("subject")
    if not isinstance(reference, str) or not 0 < len(reference) <= 100:
        raise bad("reference must be 1-100 characters")
    out = subject_from_json(subject)
    if isinstance(out, str):
        raise bad(out)
    if not out["name"]:
        raise bad("subject.name is required")
    return reference, out


class AntisocialSimulator(LocalHttpSimulator):
    thread_name = "antisocial-simulator"

    def __init__(self, host: str = "127.0.0.1", port: int = 8768, token: str = DEV_API_TOKEN):
        if not token:
            raise ValueError("the simulator needs an API token")
        self.token = token
        self.unavailable = False
        self.screenings: list[dict[str, Any]] = []  # what was asked, newest last
        self._by_reference: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = QuietServer((host, port), _Handler)
        self._server.simulator = self

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.screenings)

    def screen(self, payload: Any) -> dict[str, Any]:
        reference, subject = validate(payload)
        with self._lock:
            known = self._by_reference.get(reference)
            if known is not None:  # idempotent per reference
                return known
            result, matches = decide(subject)
            assert result in RESULTS
            answer = {
                "screening_id": "asc_" + base64.b32encode(os.urandom(10)).decode().lower(),
                "reference": reference,
                "result": result,
                "matches": matches,
                "checked_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "database_version": DATABASE_VERSION,
            }
            self.screenings.append({"subject": subject, **answer})
            self._by_reference[reference] = answer
            if len(self.screenings) > MAX_KEPT:
                old = self.screenings.pop(0)
                self._by_reference.pop(old["reference"], None)
        return answer


class _Handler(JsonApiHandler):
    server_version = "UrikakeAntisocialSimulator/1"
    logger_name = "urikake.antisocial_simulator"

    def route(self, method: str, path: str) -> None:
        sim: AntisocialSimulator = self.simulator
        if method == "POST" and path == "/v1/screenings":
            self.authorize(sim.token)
            if sim.unavailable:
                raise SimulatorError(503, "service_unavailable", "screening temporarily down")
            self.send_json(200, sim.screen(self.read_json()))
        elif method == "POST" and path == "/_simulator/outage":
            data = self.read_json()
            if not isinstance(data, dict) or not isinstance(data.get("unavailable"), bool):
                raise SimulatorError(400, "invalid_request", '{"unavailable": true|false}')
            sim.unavailable = data["unavailable"]
            self.send_json(200, {"unavailable": sim.unavailable})
        elif method == "GET" and path == "/_simulator/screenings":
            with sim._lock:
                self.send_json(200, {"screenings": list(sim.screenings)})
        elif path in {"/v1/screenings", "/_simulator/outage", "/_simulator/screenings"}:
            raise SimulatorError(405, "method_not_allowed", "method not allowed")
        else:
            raise SimulatorError(404, "not_found", "no such endpoint")


def add_arguments(parser: Any) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8768)


def run(*, host: str, port: int, token: str, write: Callable[[str], Any]) -> None:
    simulator = AntisocialSimulator(host, port, token)
    if not is_loopback(host):
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    write(f"反社チェック シミュレーター: {simulator.url}")
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m urikake.integrations.antisocial.simulator",
        description="ローカル反社チェック・シミュレーター (development and tests only)",
    )
    add_arguments(parser)
    parser.add_argument(
        "--token", default=os.environ.get("ANTISOCIAL_SCREENING_TOKEN") or DEV_API_TOKEN
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(host=args.host, port=args.port, token=args.token, write=print)


if __name__ == "__main__":
    main()
