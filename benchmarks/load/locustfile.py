"""Mixed load on the production configuration (bench_load.py starts everything; docs in
benchmarks/README.md, "Load test").

Who does what, in proportion (``weight`` of the user classes, ``@task`` weights within) — each
simulated person paces itself at ``URIKAKE_LOAD_RATE`` requests per second. Browsing
dominates, as on the real site; every kind of work of issue 14 is still there (the shares of
the whole mix are in benchmarks/README.md):

* applicants (8): browse their pages (40), register an invoice (API, 4) against one of their
  organisation's own debtors, upload a bank statement (1), submit a financing application
  (API, 1; screening then runs in the task worker). Each person works for one of the seeded
  applicant organisations (``URIKAKE_LOAD_APPLICANTS``, default 50: ``seed.py``), taken in
  turn — the k-th applicant person of the run takes organisation k mod N — so the book grows
  across many organisations with a few deals each, not in one;
* a client in business (2): browses its treasury and payouts;
* reviewers (2): the screening queue and application details;
* treasury staff (1): the deposits page (20), a reconciliation run (API, 1) and a collection
  statement upload (1: the import and reconciliation of its lines).

Everyone is signed in with a session seeded by ``seed.py`` (URIKAKE_LOAD_PLAN). The server is
reached on loopback as the reverse proxy would forward it (``X-Forwarded-Proto: https``); the
production cookies are ``Secure`` and this is plain HTTP, so the session cookie and a CSRF
secret (the same value in the cookie and the ``X-CSRFToken`` header, as a browser's
JavaScript would send it) are sent as a ``Cookie`` header. ``FastHttpUser`` (geventhttpclient)
costs the client several times less CPU than ``HttpUser`` (requests): locust shares the two
cores with the server. Every 4xx/5xx answer counts as an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from locust import task
from locust.contrib.fasthttp import FastHttpUser

PLAN: dict[str, Any] = json.loads(Path(os.environ["URIKAKE_LOAD_PLAN"]).read_text())
RATE = float(os.environ.get("URIKAKE_LOAD_RATE", "1"))
SESSION_COOKIE = "__Host-urikake_session"
# with --locust-processes P, process i takes the organisations i, i + P, i + 2P, …
PROCESSES = int(os.environ.get("URIKAKE_LOAD_LOCUST_PROCESSES", "1"))
_numbers = itertools.count(1)
_applicant_people = itertools.count()


def multipart(
    fields: dict[str, str], name: str, filename: str, content: bytes
) -> tuple[bytes, str]:
    """A multipart/form-data body with the form fields and one file (FastHttpUser has no
    ``files=``)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class PoissonPacing:
    """Start times of a Poisson process of ``rate`` per second, whatever the answers' speed.

    locust's ``constant_throughput`` keeps each person on a fixed one-second beat set by the
    moment it was spawned, and locust spawns ``--spawn-rate`` people in the same instant: 20
    people in step sent 20 requests at once every second, and the last of each burst waited
    for the 19 before it (p50 of 60 ms on a 7 ms page at 10 % CPU, measured 2026-12-07).
    Real visitors are independent: each person's next request is due an exponentially
    distributed time after the previous one was *due* (not answered), so the offered rate stays
    ``rate`` when answers slow down and the sum over people is a Poisson stream.
    """

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.due = time.monotonic()  # the first request, sent now

    def __call__(self, user: object) -> float:
        self.due += random.expovariate(self.rate)
        return max(0.0, self.due - time.monotonic())


class SignedIn(FastHttpUser):
    abstract = True
    role = ""

    def wait_time(self) -> float:
        return self.pacing(self)

    def on_start(self) -> None:
        # people spawned in one instant start at independent moments (gevent's sleep: locust
        # patches time.sleep)
        time.sleep(random.expovariate(RATE))
        self.pacing = PoissonPacing(RATE)
        self.csrf_token = uuid.uuid4().hex  # an unmasked CSRF secret, cookie = header
        session = self.session()
        self.headers = {
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{self._host()}/",
            "Cookie": f"{SESSION_COOKIE}={session}; csrftoken={self.csrf_token}",
        }

    def session(self) -> str:
        return str(random.choice(PLAN["sessions"][self.role]))

    def _host(self) -> str:
        return (self.host or "").split("://", 1)[-1].rstrip("/")

    def get(self, path: str, name: str) -> None:
        with self.client.get(
            path, name=name, headers=self.headers, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()

    def post(self, path: str, name: str, **kwargs: Any) -> Any:
        headers = {**self.headers, "X-CSRFToken": self.csrf_token, **kwargs.pop("headers", {})}
        with self.client.post(
            path, name=name, headers=headers, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code >= 400 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}: {(response.text or '')[:200]}")
            else:
                response.success()
            return response

    def upload(self, path: str, name: str, fields: dict[str, str], field: str, file: str) -> None:
        body, content_type = multipart(fields, field, Path(file).name, Path(file).read_bytes())
        self.post(path, name, data=body, headers={"Content-Type": content_type})


class Applicant(SignedIn):
    weight = 8
    role = "applicant"

    def session(self) -> str:
        """The session of this person's organisation (k mod N for the k-th person), whose
        debtors its invoices name."""
        worker = getattr(self.environment.runner, "worker_index", 0)
        k = next(_applicant_people) * PROCESSES + max(0, worker)
        organisation = PLAN["applicants"][k % len(PLAN["applicants"])]
        self.debtors: list[int] = organisation["debtors"]
        return str(organisation["session"])

    def on_start(self) -> None:
        super().on_start()
        self.invoices: list[int] = []

    @task(40)
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

    @task(4)
    def register_invoice(self) -> None:
        today = date.today()
        number = f"LOAD-{os.getpid()}-{next(_numbers)}-{uuid.uuid4().hex[:6]}"
        response = self.post(
            "/api/receivables/invoices",
            "applicant: register invoice (API)",
            json={
                "debtor": random.choice(self.debtors),
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
        self.upload(
            "/my/statements/",
            "applicant: upload bank statement",
            {"file_format": "generic_jp_bank"},
            "statement",
            PLAN["files"]["statement"],
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

    @task(20)
    def deposits(self) -> None:
        self.get("/backoffice/treasury/deposits/", "treasury: deposits")

    @task(1)
    def reconcile(self) -> None:
        self.post(
            "/api/treasury/reconciliation/run",
            "treasury: reconciliation run (API)",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )

    @task(1)
    def upload_collection_statement(self) -> None:
        self.upload(
            "/backoffice/treasury/deposits/",
            "treasury: upload collection statement",
            {"file_format": "zengin"},
            "file",
            PLAN["files"]["collection"],
        )


class HealthCheck(SignedIn):
    """The floor, not part of the mix (``bench_load.py --mix floor``): everyone asks for
    ``/healthz``, the cheapest request the stack serves — the WSGI handler and middleware, one
    small database read, no session read, no template. What this rate costs the machine bounds
    what any mix of real pages can reach on it."""

    abstract = os.environ.get("URIKAKE_LOAD_MIX", "mixed") != "floor"
    role = "applicant"

    @task
    def health(self) -> None:
        self.get("/healthz", "floor: /healthz")
