"""/metrics, /readyz, X-Request-ID and the JSON request log (issue 14, item 2).

The metrics endpoint is scraped through the test client; the families must move after a
request (latency histogram) and after a payout (payouts by status, read from the database at
scrape time). Logs are formatted with the production JSON formatter and must never carry a
password, an Authorization header or an e-mail address.
"""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from django.test import Client, override_settings

from tests.integration.treasury.helpers import contracted_deal, perfect
from urikake.connections.models import CallRecord
from urikake.system.logcontext import (
    HideRequestPathFilter,
    RequestContextFilter,
    UrikakeJsonFormatter,
)
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db

TOKEN = "scrape-token-0123456789abcdef"


@pytest.fixture
def treasury_staff(django_user_model):
    from tests.integration.treasury.conftest import treasury_staff as make

    return make.__wrapped__(django_user_model)


@pytest.fixture
def applicant_user(django_user_model):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(
        email="logme@example.com", password="correct-horse-battery-staple-99"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_latency_histogram_moves_after_a_request_by_route_name() -> None:
    client = Client()
    before = _sample(
        _scrape(client),
        "urikake_http_request_duration_seconds_count",
        route="account_login",
        method="GET",  # earlier tests' login POSTs are another series of the same route
        status_class="2xx",
    )
    assert client.get("/accounts/login/").status_code == 200
    text = _scrape(client)
    after = _sample(
        text,
        "urikake_http_request_duration_seconds_count",
        route="account_login",
        method="GET",  # earlier tests' login POSTs are another series of the same route
        status_class="2xx",
    )
    assert after == before + 1
    assert 'route="/accounts/login/"' not in text  # route names, never raw paths
    client.get("/no-such-page-at-all/")
    assert (
        _sample(
            _scrape(client),
            "urikake_http_request_duration_seconds_count",
            route="unmatched",
            status_class="4xx",
        )
        >= 1
    )


def test_metrics_payouts_and_queue_move_after_a_payout(treasury_staff) -> None:
    client = Client()
    text = _scrape(client)
    assert _sample(text, "urikake_payouts", kind="advance", status="pending") == 0
    assert _sample(text, "urikake_metrics_database_up") == 1
    assert "urikake_task_queue_depth" in text
    assert _sample(text, "urikake_task_oldest_ready_age_seconds", queue="default") == 0
    deal = contracted_deal()
    perfect(deal, treasury_staff)
    staff = Client()
    staff.force_login(treasury_staff)
    funded = staff.post(
        f"/api/treasury/applications/{deal.application.pk}/fund", HTTP_IDEMPOTENCY_KEY="m-1"
    )
    assert funded.status_code == 200, funded.content
    assert Payout.objects.count() == 1
    text = _scrape(client)
    assert _sample(text, "urikake_payouts", kind="advance", status="pending") == 1
    fund_routes = re.findall(
        r'urikake_http_request_duration_seconds_count\{method="POST",route="([^"]*fund[^"]*)",'
        r'status_class="2xx"\} 1\.0',
        text,
    )
    assert fund_routes, "the API call is counted under its route name"
    assert f"/api/treasury/applications/{deal.application.pk}/fund" not in text


def test_metrics_connection_health_from_call_records() -> None:
    from django.utils import timezone

    now = timezone.now()
    CallRecord.objects.create(connection_name="bank", at=now, operation="GET /x", outcome="ok")
    CallRecord.objects.create(
        connection_name="bank",
        at=now + timezone.timedelta(seconds=1),
        operation="GET /x",
        outcome="circuit_open",
    )
    text = _scrape(Client())
    assert _sample(text, "urikake_connection_breaker_open", connection="bank") == 1
    assert (
        _sample(text, "urikake_connection_last_outcome", connection="bank", outcome="circuit_open")
        == 1
    )
    assert _sample(text, "urikake_connection_recent_calls", connection="bank", outcome="ok") == 1


@override_settings(METRICS_ALLOWED_NETWORKS=[], METRICS_BEARER_TOKEN=TOKEN)
def test_metrics_are_not_public() -> None:
    client = Client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=TOKEN).status_code == 404  # no scheme
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    # A forwarded address never counts: only the direct peer.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404


@override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/8"], METRICS_BEARER_TOKEN="")
def test_metrics_allow_listed_network() -> None:
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="192.0.2.1").get("/metrics").status_code == 404
    # No token configured: a bearer header opens nothing.
    assert (
        Client(REMOTE_ADDR="192.0.2.1").get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code
        == 404
    )


def test_readyz_reports_database_migrations_cache_and_worker() -> None:
    response = Client().get("/readyz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ready"
    assert set(report["checks"]) == {"database", "migrations", "cache", "worker"}
    assert report["checks"]["migrations"] == {"ok": True, "unapplied": 0}
    assert report["checks"]["worker"]["ok"] is False  # no worker runs under the test


def test_readyz_is_503_without_the_cache_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE urikake_cache")
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["ok"] is False


def test_request_id_is_propagated_or_made() -> None:
    client = Client()
    given = client.get("/healthz", HTTP_X_REQUEST_ID="proxy-abc-12345678")
    assert given["X-Request-ID"] == "proxy-abc-12345678"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id <script>")
    assert re.fullmatch(r"[0-9a-f]{32}", made["X-Request-ID"])


@pytest.fixture
def json_log() -> io.StringIO:
    """The root logger's lines, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(UrikakeJsonFormatter())
    handler.addFilter(RequestContextFilter())
    handler.addFilter(HideRequestPathFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = logging.getLogger("urikake.request").level
    logging.getLogger("urikake.request").setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    logging.getLogger("urikake.request").setLevel(previous)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_request_log_line_has_context_and_no_secrets(json_log, applicant_user) -> None:
    client = Client()
    password = "correct-horse-battery-staple-99"
    bearer = "Bearer sk_live_supersecret_token_value"
    client.post(
        "/accounts/login/",
        {"login": applicant_user.email, "password": password},
        HTTP_AUTHORIZATION=bearer,
        HTTP_X_REQUEST_ID="req-login-00000001",
    )
    client.force_login(applicant_user)
    client.get("/healthz", HTTP_X_REQUEST_ID="req-mypage-0000002")
    text = json_log.getvalue()
    assert password not in text
    assert "sk_live_supersecret_token_value" not in text
    assert applicant_user.email not in text
    requests = [line for line in _lines(json_log) if line["logger"] == "urikake.request"]
    login = next(line for line in requests if line["request_id"] == "req-login-00000001")
    assert login["route"] == "account_login"
    assert login["method"] == "POST"
    assert isinstance(login["status"], int)
    assert isinstance(login["duration_ms"], float)
    assert {"timestamp", "level", "message"} <= set(login)
    assert login["level"] == "INFO"
    mine = next(line for line in requests if line["request_id"] == "req-mypage-0000002")
    assert mine["user_id"] == str(applicant_user.pk)


def test_json_formatter_redacts_forbidden_extra_fields(json_log) -> None:
    logging.getLogger("urikake.test").warning(
        "signed in %s", "someone@example.com", extra={"password": "p4ss", "Authorization": "x"}
    )
    (line,) = [entry for entry in _lines(json_log) if entry["logger"] == "urikake.test"]
    assert line["password"] == "[redacted]"
    assert line["Authorization"] == "[redacted]"


def test_djangos_own_response_lines_carry_the_request_id_but_not_the_path(json_log) -> None:
    secret_path = "/accounts/password/reset/key/1-secretresetkey123/"
    Client().get("/no-such-page-at-all/", HTTP_X_REQUEST_ID="req-notfound-000003")
    Client().post(secret_path, {"password1": "x"})  # no CSRF token: Django's CSRF line
    assert "secretresetkey123" not in json_log.getvalue()
    assert "no-such-page-at-all" not in json_log.getvalue()
    lines = [
        entry
        for entry in _lines(json_log)
        if entry["logger"] == "django.request" and entry.get("request_id") == "req-notfound-000003"
    ]
    assert lines, "Django's 'Not Found' line is joined to the request"


def test_metrics_queue_depth_and_age_of_due_tasks() -> None:
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()

    def task(run_after, enqueued_at=None):
        created = DBTaskResult.objects.create(
            status="READY",
            args_kwargs={"args": [], "kwargs": {}},
            task_path="urikake.system.tasks.nothing",
            backend_name="default",
            queue_name="default",
            run_after=run_after,
            exception_class_path="",
            traceback="",
        )
        if enqueued_at is not None:  # auto_now_add: set afterwards
            DBTaskResult.objects.filter(pk=created.pk).update(enqueued_at=enqueued_at)

    task(now - timezone.timedelta(minutes=10))  # a retry whose time came 10 minutes ago
    task(now + timezone.timedelta(hours=1))  # a retry scheduled for later: not waiting yet
    task(now + timezone.timedelta(hours=2))
    text = _scrape(Client())
    assert _sample(text, "urikake_task_queue_depth", queue="default", status="ready") == 1
    assert _sample(text, "urikake_task_queue_depth", queue="default", status="scheduled") == 2
    age = _sample(text, "urikake_task_oldest_ready_age_seconds", queue="default")
    assert 590 < age < 900
    # A task queued to run at once (what .enqueue() stores: run_after "unset", 9999-01-01)
    # waits since it was queued.
    task(get_date_max(), enqueued_at=now - timezone.timedelta(minutes=20))
    text = _scrape(Client())
    assert _sample(text, "urikake_task_queue_depth", queue="default", status="ready") == 2
    age = _sample(text, "urikake_task_oldest_ready_age_seconds", queue="default")
    assert 1190 < age < 1500
