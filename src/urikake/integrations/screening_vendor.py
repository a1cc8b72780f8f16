"""What the two screening vendors (反社チェック, 信用情報) share, and nothing else knows.

The anti-social-forces vendor (:mod:`urikake.integrations.antisocial`) and the credit bureau
(:mod:`urikake.integrations.credit_bureau`) are independent adapters, but they are asked the
same way: about one :class:`Subject` (a company or a person), with a ``reference`` that is also
the ``Idempotency-Key``, through the shared client, failing with a :class:`VendorError` that
carries a Japanese message. Their simulators share :class:`ScreeningVendorSimulator`: bearer
token, the vendor error shape, an outage switch, idempotency per reference, bounded memory.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from urikake.integrations.http import Failure, HttpFailure, JsonClient
from urikake.integrations.simulator_base import (
    JsonApiHandler,
    LocalHttpSimulator,
    QuietServer,
    SimulatorError,
    is_loopback,
)

SUBJECT_TYPES = frozenset({"company", "person"})
_TEXT_FIELDS = ("name", "name_kana", "corporate_number", "address")


@dataclass(frozen=True)
class Subject:
    """A company (商号, フリガナ, 法人番号, 所在地) or a person (氏名, フリガナ, 生年月日, 住所)."""

    type: str  # "company" | "person"
    name: str
    name_kana: str = ""
    corporate_number: str = ""
    birth_date: date | None = None
    address: str = ""

    def __post_init__(self) -> None:
        if self.type not in SUBJECT_TYPES:
            raise ValueError(f"unknown subject type {self.type!r}")

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "name_kana": self.name_kana,
            "corporate_number": self.corporate_number,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "address": self.address,
        }


# --- the adapters' side ---------------------------------------------------------------------


class VendorError(Exception):
    """The vendor could not be reached, refused the call or answered nonsense.

    ``message`` is Japanese and safe to show to staff; ``detail`` is for logs (never the
    request body: it holds personal data).
    """

    def __init__(self, message: str, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


def ask_vendor(
    client: JsonClient,
    path: str,
    payload: dict[str, Any],
    *,
    messages: Mapping[Failure, str],
    error: type[VendorError],
) -> dict[str, Any]:
    """POST one screening request; the answer, or ``error`` with the failure's message."""
    try:
        return client.request(
            "POST", path, payload, headers={"Idempotency-Key": payload["reference"]}
        )
    except HttpFailure as exc:
        raise error(messages[exc.kind], detail=exc.detail, status=exc.status) from exc


# --- the simulators' side -------------------------------------------------------------------


def subject_from_json(subject: Any) -> dict[str, Any] | str:
    """The subject of a vendor request, cleaned; or an error message."""
    if not isinstance(subject, dict) or subject.get("type") not in SUBJECT_TYPES:
        return "subject.type must be company or person"
    out: dict[str, Any] = {"type": subject["type"]}
    for name in _TEXT_FIELDS:
        value = subject.get(name) or ""
        if not isinstance(value, str) or len(value) > 300:
            return f"subject.{name} must be text (at most 300 characters)"
        out[name] = value.strip()
    birth = subject.get("birth_date")
    if birth is not None:
        try:
            date.fromisoformat(str(birth))
        except ValueError:
            return "subject.birth_date must be YYYY-MM-DD"
    out["birth_date"] = birth
    return out


def bad_request(message: str) -> SimulatorError:
    return SimulatorError(400, "invalid_request", message)


class ScreeningVendorSimulator(LocalHttpSimulator):
    """A vendor answering ``POST <api_path>`` from :meth:`decide`, deterministically.

    Subclasses set the class attributes and implement :meth:`decide` (and may extend
    :meth:`validate`). ``records`` keeps what was asked (subject and answer), newest last.
    """

    api_path: ClassVar[str]
    list_path: ClassVar[str]  # the operator's list of what was asked
    list_key: ClassVar[str]
    id_field: ClassVar[str]
    id_prefix: ClassVar[str]
    max_kept: ClassVar[int] = 1000

    def __init__(self, host: str, port: int, token: str) -> None:
        if not token:
            raise ValueError("the simulator needs an API token")
        self.token = token
        self.unavailable = False  # every call answers 503 (POST /_simulator/outage)
        self.records: list[dict[str, Any]] = []
        self._by_reference: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server = QuietServer((host, port), _Handler)
        self._server.simulator = self

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self.records)

    def validate(self, payload: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(payload, dict):
            raise bad_request("body must be a JSON object")
        reference = payload.get("reference")
        if not isinstance(reference, str) or not 0 < len(reference) <= 100:
            raise bad_request("reference must be 1-100 characters")
        subject = subject_from_json(payload.get("subject"))
        if isinstance(subject, str):
            raise bad_request(subject)
        return reference, subject

    def decide(self, subject: dict[str, Any]) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def answer(self, payload: Any) -> dict[str, Any]:
        reference, subject = self.validate(payload)
        with self._lock:
            known = self._by_reference.get(reference)
            if known is not None:  # idempotent per reference
                return known
            answer = {
                self.id_field: self.id_prefix + base64.b32encode(os.urandom(10)).decode().lower(),
                "reference": reference,
                **self.decide(subject),
            }
            self.records.append({"subject": subject, **answer})
            self._by_reference[reference] = answer
            if len(self.records) > self.max_kept:
                old = self.records.pop(0)
                self._by_reference.pop(old["reference"], None)
        return answer


class _Handler(JsonApiHandler):
    server_version = "UrikakeScreeningVendorSimulator/1"
    logger_name = "urikake.screening_vendor_simulator"

    def route(self, method: str, path: str) -> None:
        sim: ScreeningVendorSimulator = self.simulator
        if method == "POST" and path == sim.api_path:
            self.authorize(sim.token)
            if sim.unavailable:
                raise SimulatorError(503, "service_unavailable", "temporarily unavailable")
            self.send_json(200, sim.answer(self.read_json()))
        elif method == "POST" and path == "/_simulator/outage":
            data = self.read_json()
            if not isinstance(data, dict) or not isinstance(data.get("unavailable"), bool):
                raise bad_request('{"unavailable": true|false}')
            sim.unavailable = data["unavailable"]
            self.send_json(200, {"unavailable": sim.unavailable})
        elif method == "GET" and path == sim.list_path:
            with sim._lock:
                self.send_json(200, {sim.list_key: list(sim.records)})
        elif path in {sim.api_path, "/_simulator/outage", sim.list_path}:
            raise SimulatorError(405, "method_not_allowed", "method not allowed")
        else:
            raise SimulatorError(404, "not_found", "no such endpoint")


def add_arguments(parser: Any, *, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)


def run(simulator: ScreeningVendorSimulator, *, title: str, write: Callable[[str], Any]) -> None:
    """Serve in the foreground (the ``*_simulator`` commands and ``python -m``)."""
    host = str(simulator._server.server_address[0])
    if not is_loopback(host):
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    write(f"{title}: {simulator.url}")
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()


def main(
    make: Callable[[str, int, str], ScreeningVendorSimulator],
    *,
    prog: str,
    title: str,
    port: int,
    env_var: str,
    dev_token: str,
    argv: list[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=prog, description=f"{title} (development and tests only)")
    add_arguments(parser, port=port)
    parser.add_argument("--token", default=os.environ.get(env_var) or dev_token)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(make(args.host, args.port, args.token), title=title, write=print)
