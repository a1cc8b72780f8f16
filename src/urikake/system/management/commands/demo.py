"""``urikake demo`` — load the demo data (idempotent) and print the demo logins.

``urikake demo --scale N [--seed S]`` then adds realistic volume (urikake.system.demo_scale):
N applicants, 10·N invoices, twelve months of statements, deals in every state with their
positions and books. It refuses to run twice on the same database.
"""

import sys
import time
import tracemalloc
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from urikake.system.demo import DEMO_LOGINS, PASSWORD, load_demo_data
from urikake.system.demo_products import BUYER_EMAIL
from urikake.system.demo_treasury import CLIENT_EMAIL

PHASES = ("applicants", "debtors", "invoices", "statements", "applications", "ledger")


class Command(BaseCommand):
    help = "デモデータを投入します (load demo data; safe to run repeatedly)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            metavar="N",
            help="規模デモ: N社の申込者・10N件の請求書・12か月分の明細・全状態の申込み",
        )
        parser.add_argument("--seed", type=int, default=2026, help="乱数の種 (default 2026)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = load_demo_data()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(f"demo data created: {', '.join(created)}")
        else:
            self.stdout.write("demo data already present")
        if options["scale"] is not None:
            self._scale(options["scale"], options["seed"])
        self.stdout.write("デモ用ログイン / demo logins:")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.role}: {login.email} / {login.password}")
        self.stdout.write(f"  取引中の申込者 (契約・送金・回収のデモ): {CLIENT_EMAIL} / {PASSWORD}")
        self.stdout.write(f"  一括ファクタリングの支払企業: {BUYER_EMAIL} / {PASSWORD}")
        self.stdout.write(
            "  (スタッフは初回ログイン時に認証アプリ(TOTP)の登録が必要です /"
            " staff enrol an authenticator app at first login)"
        )

    def _scale(self, n: int, seed: int) -> None:
        from urikake.system.demo_scale import AlreadyScaled, make_scale

        if n < 1:
            raise CommandError("--scale は1以上の整数で指定してください。")
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(phase: str, done: int, total: int) -> None:
            if not tty:
                return
            step = PHASES.index(phase) + 1 if phase in PHASES else 0
            width = 30
            filled = width if not total else min(width, width * done // max(total, 1))
            bar = "#" * filled + "-" * (width - filled)
            sys.stdout.write(f"\r[{bar}] {step}/{len(PHASES)} {phase:<12} {done:>9,}")
            sys.stdout.flush()

        tracemalloc.start()
        start = time.perf_counter()
        try:
            report = make_scale(n, seed=seed, progress=progress)
        except AlreadyScaled as exc:
            raise CommandError(str(exc)) from exc
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        seconds = time.perf_counter() - start
        if tty:
            sys.stdout.write("\n")
        self.stdout.write(
            f"規模デモ / scale demo (N={n}, seed={seed}): applicants {report.applicants:,}, "
            f"debtors {report.debtors:,}, invoices {report.invoices:,}, "
            f"statement lines {report.statement_lines:,}, applications {report.applications:,}, "
            f"positions {report.positions:,}, ledger entries {report.ledger_entries:,} "
            f"— {seconds:.1f} s, peak Python memory {peak / 2**20:.0f} MiB"
        )
        states = ", ".join(f"{k} {v:,}" for k, v in sorted((report.states or {}).items()))
        self.stdout.write(f"  states: {states}")
