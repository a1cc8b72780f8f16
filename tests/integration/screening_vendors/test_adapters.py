"""The 反社チェック and credit-bureau adapters against their simulators over real HTTP: the
protocol, the bearer token, the vendor's JSON error shape, bad answers, the commands."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from urikake.integrations.antisocial.adapter import (
    AntisocialVendorError,
    HttpAntisocialVendor,
)
from urikake.integrations.antisocial.simulator import HIT_CORPORATE_NUMBER, AntisocialSimulator
from urikake.integrations.credit_bureau.adapter import CreditBureauError, HttpCreditBureau
from urikake.integrations.credit_bureau.simulator import (
    DELINQUENT_CORPORATE_NUMBER,
    CreditBureauSimulator,
)
from urikake.integrations.screening_vendor import Subject
from urikake.integrations.simulator_base import JsonApiHandler, QuietServer
from urikake.integrations.simulator_base import LocalHttpSimulator as Base

COMPANY = Subject(
    "company", "株式会社ふつう商事", "フツウシヨウジ", "1180301018771", None, "東京都"
)
PERSON = Subject("person", "普通 太郎", "フツウ タロウ", birth_date=date(1980, 1, 2))


@pytest.fixture
def antisocial():
    with AntisocialSimulator("127.0.0.1", 0, token="t-as") as sim:
        yield sim


@pytest.fixture
def bureau():
    with CreditBureauSimulator("127.0.0.1", 0, token="t-cb") as sim:
        yield sim


def test_antisocial_results_decided_by_the_subject(antisocial) -> None:
    vendor = HttpAntisocialVendor(antisocial.url, "t-as")
    assert vendor.screen(COMPANY, reference="r1").result == "no_hit"
    assert vendor.screen(PERSON, reference="r2").result == "no_hit"
    hit = vendor.screen(Subject("person", "反社 太郎"), reference="r3")
    assert hit.result == "hit"
    assert hit.matches[0].category == "暴力団関係者"
    assert hit.reference_id.startswith("asc_")
    assert hit.raw["screening_id"] == hit.reference_id
    by_number = vendor.screen(
        Subject("company", "株式会社ふつう", corporate_number=HIT_CORPORATE_NUMBER), reference="r4"
    )
    assert by_number.result == "hit"
    assert vendor.screen(Subject("company", "ヨウカクニン商事"), reference="r5").result == "review"
    # The same reference is idempotent: the same screening id.
    assert (
        vendor.screen(COMPANY, reference="r1").reference_id
        == antisocial.screenings[0]["screening_id"]
    )
    assert antisocial.calls == 5
    assert antisocial.screenings[1]["subject"]["birth_date"] == "1980-01-02"


def test_credit_reports_decided_by_the_subject(bureau) -> None:
    cb = HttpCreditBureau(bureau.url, "t-cb")
    clean = cb.report(COMPANY, reference="c1")
    assert clean.adverse_records == ()
    assert clean.reference_id.startswith("cbr_")
    assert clean.inquiries_6m < 3
    again = cb.report(COMPANY, reference="c1b")
    assert (again.borrowing_count, again.outstanding_yen) == (
        clean.borrowing_count,
        clean.outstanding_yen,
    )
    late = cb.report(Subject("person", "延滞 三郎"), reference="c2")
    assert [r.kind for r in late.adverse_records] == ["delinquency"]
    assert late.adverse_records[0].label == "延滞"
    both = cb.report(Subject("company", "代位弁済破産株式会社"), reference="c3")
    assert {r.kind for r in both.adverse_records} == {"subrogation", "bankruptcy"}
    numbered = cb.report(
        Subject("company", "", corporate_number=DELINQUENT_CORPORATE_NUMBER), reference="c4"
    )
    assert [r.kind for r in numbered.adverse_records] == ["delinquency"]
    assert cb.report(Subject("company", "照会多数商事"), reference="c5").inquiries_6m == 9


def test_wrong_token_and_outage_are_errors_with_japanese_messages(antisocial, bureau) -> None:
    with pytest.raises(AntisocialVendorError) as exc:
        HttpAntisocialVendor(antisocial.url, "wrong").screen(COMPANY, reference="x")
    assert exc.value.status == 401
    assert "反社チェック" in exc.value.message
    assert "unauthorized" in exc.value.detail
    bureau.unavailable = True
    with pytest.raises(CreditBureauError) as cexc:
        HttpCreditBureau(bureau.url, "t-cb").report(COMPANY, reference="y")
    assert cexc.value.status == 503
    assert "信用情報機関" in cexc.value.message
    assert bureau.calls == 0


def test_unreachable_vendor_is_an_error(antisocial) -> None:
    url = antisocial.url
    antisocial.stop()
    with pytest.raises(AntisocialVendorError) as exc:
        HttpAntisocialVendor(url, "t-as", timeout=2).screen(COMPANY, reference="z")
    assert exc.value.message == "反社チェックのサービスに接続できませんでした。"


def _post(url: str, body: Any, token: str | None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_simulators_answer_errors_in_the_vendor_shape(antisocial, bureau) -> None:
    status, body = _post(antisocial.url + "/v1/screenings", {"reference": "a"}, "t-as")
    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    status, body = _post(antisocial.url + "/v1/screenings", {}, None)
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    wrong_purpose = {"reference": "b", "purpose": "marketing", "subject": COMPANY.as_json()}
    status, body = _post(bureau.url + "/v1/reports", wrong_purpose, "t-cb")
    assert (status, body["error"]["code"]) == (403, "purpose_not_permitted")
    status, body = _post(bureau.url + "/nowhere", {}, "t-cb")
    assert status == 404
    status, body = _post(antisocial.url + "/_simulator/outage", {"unavailable": True}, None)
    assert body == {"unavailable": True}
    assert antisocial.unavailable is True


class _Liar(JsonApiHandler):
    answer: dict[str, Any] = {}

    def route(self, method: str, path: str) -> None:
        self.read_json()
        self.send_json(200, self.answer)


class _LyingVendor(Base):
    def __init__(self, answer: dict[str, Any]) -> None:
        handler = type("H", (_Liar,), {"answer": answer})
        self._server = QuietServer(("127.0.0.1", 0), handler)
        self._server.simulator = self


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"screening_id": "s", "result": "maybe", "matches": []},
        {"screening_id": "s", "result": "hit", "matches": []},  # a hit must say what matched
        {"screening_id": "", "result": "no_hit", "matches": []},
    ],
)
def test_a_bad_antisocial_answer_is_an_error(answer: dict[str, Any]) -> None:
    with _LyingVendor(answer) as liar, pytest.raises(AntisocialVendorError) as exc:
        HttpAntisocialVendor(liar.url, "t").screen(COMPANY, reference="q")
    assert "予期しない応答" in exc.value.message


@pytest.mark.parametrize(
    "answer",
    [
        {"report_id": "r", "subject_found": True, "adverse_records": [], "borrowings": {}},
        {
            "report_id": "r",
            "subject_found": True,
            "adverse_records": [{"kind": "gossip"}],
            "borrowings": {"count": 0, "outstanding_yen": 0},
            "inquiries_last_6_months": 0,
        },
        {
            "report_id": "r",
            "subject_found": True,
            "adverse_records": [],
            "borrowings": {"count": -1, "outstanding_yen": 0},
            "inquiries_last_6_months": 0,
        },
    ],
)
def test_a_bad_credit_report_is_an_error(answer: dict[str, Any]) -> None:
    with _LyingVendor(answer) as liar, pytest.raises(CreditBureauError):
        HttpCreditBureau(liar.url, "t").report(COMPANY, reference="q")


def test_the_adapters_name_their_connections() -> None:
    assert HttpAntisocialVendor("http://x", "t").client.connection == "antisocial_screening"
    assert HttpCreditBureau("http://x", "t").client.connection == "credit_bureau"


def test_the_commands_refuse_production(settings) -> None:
    settings.PRODUCTION = True
    for command in ("antisocial_simulator", "credit_bureau_simulator"):
        with pytest.raises(CommandError, match="never runs in production"):
            call_command(command)
