"""Mixed load on the production configuration (bench_load.py starts everything; docs in
benchmarks/README.md, "Load test").

Who does what, in proportion (``weight``) — each simulated person paces itself at
``URIKAKE_LOAD_RATE`` requests per second:

* applicants (8): browse their pages, register invoices (API), upload a bank statement,
  submit a financing application (API; screening then runs in the task worker);
* a client in business (2): browses its treasury and payouts;
* reviewers (2): the screening queue and application details;
* treasury staff (1): the deposits page, a reconciliation run (API) and a collection
  statement upload (the reconciliation of its lines).

Everyone is signed in with a session seeded by ``seed.py`` (URIKAKE_LOAD_PLAN). The server is
reached on loopback as the reverse proxy would forward it (``X-Forwarded-Proto: https``); the
production cookies are ``Secure``, so their values are kept as plain cookies to be sent.
Every 4xx/5xx answer counts as an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import HttpUser, constant_throughput, task

PLAN: dict[str, Any] = json.loads(Path(os.environ["URIKAKE_LOAD_PLAN"]).read_text())
RATE = float(os.environ.get("URIKAKE_LOAD_RATE", "1"))
SESSION_COOKIE = "__Host-urikake_session"
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A page with a form for each role: it sets the CSRF cookie and carries the token.
FORM_PAGE = {
    "applicant": "/my/statements/",
    "client": "/my/statements/",
    "reviewer": "/backoffice/screening/",
    "treasury": "/backoffice/treasury/deposits/",
}
_numbers = itertools.count(1)


class SignedIn(HttpUser):
    abstract = True
    role = ""
    wait_time = constant_throughput(RATE)

    def on_start(self) -> None:
        self.client.cookies.set(SESSION_COOKIE, random.choice(PLAN["sessions"][self.role]))
        self.client.headers.update(
            {"X-Forwarded-Proto": "https", "Referer": f"https://{self._host()}/"}
        )
        self.csrf_token = ""
        page = self.client.get(FORM_PAGE[self.role], name="sign-in page (CSRF)")
        found = _CSRF_FIELD.search(page.text)
        self.csrf_token = found.group(1) if found else ""
        # The production cookies are Secure and this is plain HTTP on loopback (TLS ends at
        # the proxy in front): keep their values as plain cookies so that they are sent.
        for cookie in list(self.client.cookies):
            if cookie.secure and cookie.value:
                self.client.cookies.set(cookie.name, cookie.value)
        if os.environ.get("URIKAKE_LOAD_DEBUG"):
            print(self.role, page.status_code, bool(self.csrf_token), list(self.client.cookies))

    def _host(self) -> str:
        return (self.host or "").split("://", 1)[-1].rstrip("/")

    def _csrf(self) -> dict[str, str]:
        return {"X-CSRFToken": self.csrf_token or self.client.cookies.get("csrftoken", "")}

    def get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}")

    def post(self, path: str, name: str, **kwargs: Any) -> Any:
        headers = {**self._csrf(), **kwargs.pop("headers", {})}
        with self.client.post(
            path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            if response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            return response


class Applicant(SignedIn):
    weight = 8
    role = "applicant"

    def on_start(self) -> None:
        super().on_start()
        self.invoices: list[int] = []

    @task(10)
    def browse(self) -> None:
        path, name = random.choice(
            [
                ("/my/", "applicant: home"),
                ("/my/invoices/", "applicant: invoices"),
                ("/my/applications/", "applicant: applications"),
                ("/my/statements/", "applicant: statements"),
                ("/my/debtors/", "applicant: debtors"),
            ]
        )
        self.get(path, name)

    @task(3)
    def register_invoice(self) -> None:
        today = date.today()
        number = f"LOAD-{os.getpid()}-{next(_numbers)}-{uuid.uuid4().hex[:6]}"
        response = self.post(
            "/api/receivables/invoices",
            "applicant: register invoice (API)",
            json={
                "debtor": random.choice(PLAN["debtors"]),
                "invoice_number": number,
                "issue_date": (today - timedelta(days=5)).isoformat(),
                "due_date": (today + timedelta(days=45)).isoformat(),
                # within the demo plan's ¥1,000,000 per deal, so submissions are screened
                "total_amount": random.randrange(300_000, 1_000_000, 1000),
            },
        )
        if response.status_code in (200, 201):
            self.invoices.append(response.json()["id"])

    @task(1)
    def upload_statement(self) -> None:
        content = Path(PLAN["files"]["statement"]).read_bytes()
        self.post(
            "/my/statements/",
            "applicant: upload bank statement",
            data={"file_format": "generic_jp_bank"},
            files={"statement": ("statement.csv", content, "text/csv")},
        )

    @task(1)
    def submit(self) -> None:
        if not self.invoices:
            return
        self.post(
            "/api/receivables/applications",
            "applicant: submit application (API)",
            json={"product": "two_party", "invoice_ids": [self.invoices.pop()]},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )


class Client(SignedIn):
    weight = 2
    role = "client"

    @task
    def browse(self) -> None:
        path, name = random.choice(
            [
                ("/my/", "client: home"),
                ("/my/treasury/", "client: treasury"),
                ("/my/contracts/", "client: contracts"),
                ("/api/treasury/my/payouts", "client: payouts (API)"),
            ]
        )
        self.get(path, name)


class Reviewer(SignedIn):
    weight = 2
    role = "reviewer"

    @task(2)
    def queue(self) -> None:
        self.get("/backoffice/screening/", "reviewer: screening queue")

    @task(3)
    def detail(self) -> None:
        pk = random.choice(PLAN["applications"])
        self.get(f"/backoffice/screening/{pk}/", "reviewer: application detail")


class Treasury(SignedIn):
    weight = 1
    role = "treasury"

    @task(6)
    def deposits(self) -> None:
        self.get("/backoffice/treasury/deposits/", "treasury: deposits")

    @task(2)
    def reconcile(self) -> None:
        self.post(
            "/api/treasury/reconciliation/run",
            "treasury: reconciliation run (API)",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    @task(1)
    def upload_collection_statement(self) -> None:
        content = Path(PLAN["files"]["collection"]).read_bytes()
        self.post(
            "/backoffice/treasury/deposits/",
            "treasury: upload collection statement",
            data={"file_format": "zengin"},
            files={"file": ("collection.txt", content, "text/plain")},
        )
