"""/healthz, the API's system endpoints and the offline OpenAPI docs (issue 2, item 7)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from urikake.system.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_reports_degraded_without_a_worker(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["ok"] is True
    assert body["worker"]["ok"] is False
    assert body["status"] == "degraded"


def test_healthz_reports_ok_with_a_fresh_heartbeat(client: Client) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=now, last_seen=now
    )
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"]["workers"] == 1


def test_healthz_reports_the_latest_live_heartbeat_and_the_queue(client: Client, settings) -> None:
    """The worker section is one SQL read (urikake.system.health): the latest heartbeat among
    the live workers as an aware time, the live workers only, and the tasks still waiting."""
    from django_tasks_db.models import DBTaskResult

    from urikake.system.tasks import ping

    now = timezone.now().replace(microsecond=123456)
    stale = now - dt.timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS + 5)
    for worker_id, seen in (("w1", now - dt.timedelta(seconds=3)), ("w2", now), ("w3", stale)):
        WorkerHeartbeat.objects.create(
            worker_id=worker_id, hostname="h", pid=1, started_at=stale, last_seen=seen
        )
    ping.enqueue()
    ping.enqueue()
    # A retry set for later (as a refused mail is) is not waiting for a worker; one whose
    # time has come is.
    DBTaskResult.objects.filter(pk=ping.enqueue().id).update(
        run_after=now + dt.timedelta(minutes=4)
    )
    DBTaskResult.objects.filter(pk=ping.enqueue().id).update(
        run_after=now - dt.timedelta(minutes=1)
    )
    worker = client.get("/healthz").json()["worker"]
    assert worker == {
        "ok": True,
        "workers": 2,
        "last_heartbeat": now.isoformat(),
        "pending_tasks": 3,
    }
    assert DBTaskResult.objects.filter(status="READY").count() == 4


def test_stale_heartbeat_means_worker_down(client: Client, settings) -> None:
    old = timezone.now() - dt.timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS + 5)
    WorkerHeartbeat.objects.create(
        worker_id="w1", hostname="h", pid=1, started_at=old, last_seen=old
    )
    assert client.get("/healthz").json()["worker"]["ok"] is False


def test_healthz_refuses_post(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_api_version_and_health(client: Client) -> None:
    assert client.get("/api/system/version").json()["name"] == "urikake"
    assert client.get("/api/system/health").json()["database"]["ok"] is True


def test_openapi_schema_lists_the_routes(client: Client) -> None:
    raw = client.get("/api/openapi.json").content
    schema = json.loads(raw, object_pairs_hook=_no_duplicate_keys)
    assert schema["info"]["title"] == "Urikake API"
    assert "/api/system/health" in schema["paths"]


def test_api_docs_load_no_external_assets(client: Client) -> None:
    html = client.get("/api/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page should reference its bundled assets"
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


def test_top_page_is_japanese_and_explains_the_service(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "売掛債権" in html
    assert 'name="viewport"' in html


def test_api_unknown_route_is_json_404(client: Client) -> None:
    response = client.get("/api/nope")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_api_wrong_method_and_missing_login_have_the_common_shape(client: Client) -> None:
    wrong_method = client.delete("/api/receivables/invoices")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "request.method_not_allowed"
    anonymous = client.get("/api/receivables/invoices")
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "error": {"code": "auth.required", "message": "ログインが必要です。"}
    }


@pytest.mark.django_db
def test_multipart_without_boundary_is_a_400_not_a_500(django_user_model) -> None:
    # The API's CSRF check reads the body: a broken multipart body used to raise a 500.
    from tests.integration.receivables.test_screening_flow import _verified_org

    user, _org = _verified_org(django_user_model, "mp@example.jp", "株式会社エムピー", "エムピー")
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(user)
    client.cookies["csrftoken"] = "A" * 32
    response = client.generic(
        "POST",
        "/api/receivables/invoices",
        b"--x\r\n",
        content_type="multipart/form-data; boundary=",
        HTTP_X_CSRFTOKEN="A" * 32,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "request.malformed"


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate keys in the schema: {keys}"
    return dict(pairs)


def test_openapi_documents_the_error_responses_of_every_operation(client: Client) -> None:
    raw = client.get("/api/openapi.json").content
    schema = json.loads(raw, object_pairs_hook=_no_duplicate_keys)
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    operations = [op for ops in schema["paths"].values() for op in ops.values()]
    assert len(operations) > 10
    for operation in operations:
        for status in ("400", "404", "422", "500"):
            assert status in operation["responses"], (operation["operationId"], status)
        if operation.get("security"):
            assert {"401", "403"} <= set(operation["responses"]), operation["operationId"]


@pytest.mark.django_db
def test_schema_errors_have_the_same_shape_as_domain_errors(django_user_model) -> None:
    from tests.integration.receivables.test_screening_flow import _verified_org

    user, _org = _verified_org(django_user_model, "x@example.jp", "株式会社エックス", "エツクス")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/api/receivables/invoices", {"debtor": "not a number"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "request.invalid"
    assert any(p["field"] == "debtor" for p in body["problems"]), body


def test_no_two_api_schemas_share_a_name() -> None:
    """The OpenAPI components are keyed by class name: two request schemas called ``ApplyIn``
    in two apps made one operation document (and validate) the other's body."""
    from collections import defaultdict

    from ninja import Schema

    import urikake.api  # noqa: F401 — every router, and so every schema, is imported

    modules: dict[str, set[str]] = defaultdict(set)

    def walk(cls: type) -> None:
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("urikake"):
                modules[sub.__name__].add(sub.__module__)
            walk(sub)

    walk(Schema)
    assert len(modules) > 20
    assert {name: m for name, m in modules.items() if len(m) > 1} == {}
