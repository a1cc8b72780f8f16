"""Screening vendors (反社チェック, 信用情報): the cost of asking them, against the local
simulators over real HTTP on loopback — one application means six calls (applicant,
representative, one debtor × two vendors) — and of the policy that reads the answers.

.venv/bin/python benchmarks/bench_screening_vendors.py
BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_screening_vendors.py

A real vendor answers in tens to hundreds of milliseconds; these figures are Urikake's own
overhead (client, JSON, validation) plus the simulator's, i.e. a floor.
"""

from __future__ import annotations

import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _report import Row, print_table, sizes, timed

# Every outbound call passes the connection gate (接続許可): the benchmark approves the local
# simulators in an in-memory register, as the test suite does — the gate's checks still run.
os.environ.setdefault("URIKAKE_VAR_DIR", tempfile.mkdtemp(prefix="urikake-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "urikake.settings")

import django

django.setup()

from urikake.connections.sandbox import sandbox_gate  # noqa: E402
from urikake.domain.screening.external import (  # noqa: E402
    CheckKind,
    FindingStatus,
    SubjectRole,
    VendorFinding,
    assess_external,
)
from urikake.integrations import http  # noqa: E402
from urikake.integrations.antisocial.adapter import HttpAntisocialVendor  # noqa: E402
from urikake.integrations.antisocial.simulator import AntisocialSimulator  # noqa: E402
from urikake.integrations.credit_bureau.adapter import HttpCreditBureau  # noqa: E402
from urikake.integrations.credit_bureau.simulator import CreditBureauSimulator  # noqa: E402
from urikake.integrations.screening_vendor import Subject  # noqa: E402

http.set_gate(sandbox_gate())

TOKEN = "bench-token"


def parties(n: int) -> list[Subject]:
    return [
        Subject("company", f"株式会社ベンチ{n}", "ベンチ", "1180301018771", None, "東京都"),
        Subject("person", f"代表 {n}郎", address="東京都"),
        Subject("company", f"株式会社売掛先{n}", "ウリカケサキ", "", None, "大阪府"),
    ]


def screen_one(n: int, antisocial: HttpAntisocialVendor, bureau: HttpCreditBureau) -> int:
    for i, subject in enumerate(parties(n)):
        antisocial.screen(subject, reference=f"bench-{n}-{i}-a")
        bureau.report(subject, reference=f"bench-{n}-{i}-c")
    return 6


def main() -> None:
    rows: list[Row] = []
    with (
        AntisocialSimulator("127.0.0.1", 0, TOKEN) as a_sim,
        CreditBureauSimulator("127.0.0.1", 0, TOKEN) as c_sim,
    ):
        antisocial = HttpAntisocialVendor(a_sim.url, TOKEN)
        bureau = HttpCreditBureau(c_sim.url, TOKEN)
        for n in sizes([200], [10]):
            _, seconds = timed(lambda n=n: [screen_one(i, antisocial, bureau) for i in range(n)])
            rows.append(Row("applications, sequential (6 calls each)", n, seconds, "apps"))
            rows.append(Row("  vendor calls, sequential", n * 6, seconds, "calls"))

            def parallel(n: int = n) -> None:
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(lambda i: screen_one(n + i, antisocial, bureau), range(n)))

            _, seconds = timed(parallel)
            rows.append(Row("applications, 4 threads", n, seconds, "apps"))
    findings = [
        VendorFinding(kind, role, status)
        for kind in CheckKind
        for role in SubjectRole
        for status in (FindingStatus.CLEAR, FindingStatus.REPORT, FindingStatus.POSSIBLE)
    ]
    for n in sizes([100_000], [1_000]):
        _, seconds = timed(lambda n=n: [assess_external(findings[:6]) for _ in range(n)])
        rows.append(Row("policy: assess 6 findings", n, seconds, "apps"))
    print_table("Screening vendors (loopback simulators)", rows)


if __name__ == "__main__":
    main()
