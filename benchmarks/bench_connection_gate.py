"""The connection gate's cost per outbound call (接続許可, docs/connections.md).

Measures the pure rule (``check_call``), the database-backed gate (look the connection up,
check, write the call record) and a full call through the shared HTTP client to a local
server, with and without the gate's database work. Throw-away SQLite database, or
``$BENCH_DATABASE_URL``.

    .venv/bin/python benchmarks/bench_connection_gate.py
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_connection_gate.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

tmp = tempfile.mkdtemp(prefix="urikake-bench-")
os.environ["URIKAKE_VAR_DIR"] = tmp
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from urikake.connections import demo  # noqa: E402
from urikake.connections.gate import InMemorySource, RegisterGate  # noqa: E402
from urikake.domain import connections as rules  # noqa: E402
from urikake.integrations import connection_names, http  # noqa: E402


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def main() -> None:
    call_command("migrate", verbosity=0)
    users = get_user_model()
    maker = users.objects.create_user(email="m@bench.example", staff_role="compliance")
    checker = users.objects.create_user(email="c@bench.example", staff_role="compliance")
    row = demo.walk_to_operating(
        demo.register_demo(connection_names.BANK_API, acting_user=maker),
        maker=maker,
        checker=checker,
    )
    db_gate = RegisterGate()
    standing = db_gate.source.standing(row.name)
    assert standing is not None
    call = rules.Call(
        connection="bank_api",
        operation="GET /v1/accounts/*/transactions",
        scheme="http",
        host="127.0.0.1",
        port=8766,
        production_mode=False,
        today=date.today(),
    )
    rows: list[Row] = []
    for n in sizes([100_000], [2_000]):
        _, secs = timed(lambda n=n: [rules.check_call(standing, call) for _ in range(n)])
        rows.append(Row("check_call (pure rule)", n, secs, "calls"))

    outbound = http.OutboundCall(
        "bank_api", "GET", "http", "127.0.0.1", 8766, "GET /v1/accounts", "", False
    )
    for n in sizes([5_000], [200]):

        def admit_and_record(n: int = n) -> None:
            for _ in range(n):
                db_gate.admit(outbound).finish(
                    outcome="ok", status=200, latency_ms=1, skew_seconds=None
                )

        _, secs = timed(admit_and_record)
        rows.append(Row("database gate: admit + record", n, secs, "calls"))

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    client = http.JsonClient(
        url,
        "token",
        connection="bank_api",
        url_setting="X",
        credential_label="t",
        user_agent="bench",
        timeout=5,
    )
    in_memory = RegisterGate(InMemorySource({"bank_api": standing}), record=False)
    for n in sizes([2_000], [100]):
        for label, gate in (
            ("HTTP call, gate in memory", in_memory),
            ("HTTP call, database gate", db_gate),
        ):
            http.set_gate(gate)
            _, secs = timed(lambda n=n: [client.request("GET", "/v1/accounts") for _ in range(n)])
            rows.append(Row(label, n, secs, "calls"))
    server.shutdown()
    print_table(f"Connection gate ({os.environ['DATABASE_URL'].split(':')[0]})", rows)


if __name__ == "__main__":
    main()
