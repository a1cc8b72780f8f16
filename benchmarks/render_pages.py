"""Render the browsing pages of the load mix for one seeded database, to diff two versions.

Optimising a page must not change what it shows: this writes each page of the load test's mix
(and every application's reviewer page of the plan), in Japanese and English, as one file per
page with the per-request CSRF masks and CSP nonces blanked. Run it with the old code and the
new one on the same database (``bench_route_queries.py`` with ``BENCH_QUERIES_KEEP_DB`` seeds
one and saves its environment), then ``diff -r`` the two directories.

Usage, with the production environment of that database (``environment.json``) exported and
``PYTHONPATH`` set to the ``src`` to render:
``python benchmarks/render_pages.py <plan.json> <out-dir>``
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import django

SESSION_COOKIE = "__Host-urikake_session"
ROUTES = [
    ("applicant", "/my/"),
    ("applicant", "/my/invoices/"),
    ("applicant", "/my/applications/"),
    ("applicant", "/my/statements/"),
    ("applicant", "/my/debtors/"),
    ("client", "/my/"),
    ("client", "/my/treasury/"),
    ("client", "/my/contracts/"),
    ("client", "/my/invoices/"),
    ("client", "/my/applications/"),
    ("reviewer", "/backoffice/screening/"),
    ("treasury", "/backoffice/treasury/deposits/"),
    ("treasury", "/backoffice/treasury/deposits/?status=all"),
]
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')
_NONCE = re.compile(r'(nonce=")[^"]+"')


def main(plan_path: Path, out: Path) -> None:
    django.setup()
    from django.test import Client

    plan = json.loads(plan_path.read_text())
    routes = ROUTES + [("reviewer", f"/backoffice/screening/{pk}/") for pk in plan["applications"]]
    out.mkdir(parents=True, exist_ok=True)
    for language in ("ja", "en"):
        for role, path in routes:
            client = Client(
                HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE=language
            )
            client.cookies[SESSION_COOKIE] = plan["sessions"][role][0]
            client.cookies["django_language"] = language
            response = client.get(path, secure=True)
            body = _NONCE.sub(r'\1…"', _CSRF.sub(r'\1…"', response.content.decode()))
            name = re.sub(r"[/?=]+", "_", path.strip("/"))
            (out / f"{language}_{role}_{name}.html").write_text(
                f"status {response.status_code}\n{body}"
            )
    print(f"{len(routes) * 2} pages in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
