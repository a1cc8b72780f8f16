"""``urikake treasury <subcommand>`` — treasury operations for operators and scripts.

    urikake treasury build-batch [--date YYYY-MM-DD] [--out FILE]
    urikake treasury mark-sent BATCH_ID
    urikake treasury regenerate BATCH_ID --out FILE
    urikake treasury import-returns FILE
    urikake treasury import-statement FILE [--format zengin|<csv preset>]
    urikake treasury reconcile
    urikake treasury fund APPLICATION_ID

Every subcommand calls one service of :mod:`urikake.treasury` and prints what it did; the
command holds no business rules. ``--user EMAIL`` (before the subcommand) names the staff
member the audit trail records; without it the actor is ``cli:treasury``. A refused operation
(DomainError) exits non-zero with the service's Japanese message and changes nothing.
"""

from __future__ import annotations

import os
import tempfile
from argparse import ArgumentParser
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from urikake.accounts.access import has_capability
from urikake.accounts.roles import Capability
from urikake.domain.errors import DomainError
from urikake.domain.statement_csv import PRESETS
from urikake.receivables.models import FinancingApplication
from urikake.treasury import collections, payouts
from urikake.treasury.models import PayoutBatch
from urikake.treasury.positions import position_book

CLI_ACTOR = "cli:treasury"


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日付は YYYY-MM-DD で指定してください: {value}") from exc


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"ファイルを読めません: {path} ({exc.strerror})") from exc


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` so that ``path`` holds either the old file or the whole new one — never a
    half-written transfer file that someone might upload to the bank."""
    path = path.resolve()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    # The rename itself must survive a power cut too.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Command(BaseCommand):
    help = (
        "送金・回収・消込の運用コマンド "
        "/ treasury operations: payout batches, returns, statements, reconciliation, funding"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="監査証跡に記録する担当者（資金管理の権限が必要）。省略時は cli:treasury",
        )
        sub = parser.add_subparsers(dest="subcommand", required=True)

        build = sub.add_parser("build-batch", help="送金待ちの振込から総合振込ファイルを作る")
        build.add_argument("--date", type=_date, help="振込指定日 (YYYY-MM-DD)。省略時は最短日")
        build.add_argument("--out", type=Path, help="ファイルの書き出し先（原子的に書き込む）")

        sent = sub.add_parser("mark-sent", help="銀行へ送信済みにする（仕訳を記帳）")
        sent.add_argument("batch_id", type=int)

        regen = sub.add_parser("regenerate", help="作成済みの総合振込ファイルを再出力する")
        regen.add_argument("batch_id", type=int)
        regen.add_argument("--out", type=Path, required=True)

        returns = sub.add_parser("import-returns", help="組戻し・振込不能データを取り込む")
        returns.add_argument("file")

        statement = sub.add_parser("import-statement", help="回収口座の入出金明細を取り込む")
        statement.add_argument("file")
        statement.add_argument(
            "--format", dest="file_format", default="zengin", choices=["zengin", *PRESETS]
        )

        sub.add_parser("reconcile", help="未処理・該当なしの入金を消込する")

        fund = sub.add_parser("fund", help="契約済みの申込みを買い取り、送金を予約する")
        fund.add_argument("application_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options.get("user"))
        run: Callable[[Any, dict[str, Any]], None] = getattr(
            self, "_" + options["subcommand"].replace("-", "_")
        )
        try:
            run(actor, options)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

    def _actor(self, email: str | None) -> Any:
        if not email:
            return CLI_ACTOR
        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None or not has_capability(user, Capability.MANAGE_TREASURY):
            raise CommandError(f"{email} は資金管理の権限を持つ有効な担当者ではありません。")
        return user

    # --- payouts -------------------------------------------------------------------------

    def _build_batch(self, actor: Any, options: dict[str, Any]) -> None:
        batch = payouts.build_batch(acting_user=actor, value_date=options["date"])
        if batch is None:
            self.stdout.write("送金待ちの振込はありません。ファイルは作成していません。")
            return
        self.stdout.write(
            f"総合振込ファイル {batch.pk} を作成しました: {batch.total_count}件 "
            f"合計 {batch.total_amount:,}円 振込指定日 {batch.value_date:%Y-%m-%d} "
            f"sha256 {batch.file_sha256}"
        )
        if options["out"] is not None:
            write_atomically(options["out"], bytes(batch.file_content))
            self.stdout.write(f"→ {options['out']}")

    def _batch(self, batch_id: int) -> PayoutBatch:
        batch = PayoutBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(f"総合振込ファイル {batch_id} はありません。")
        return batch

    def _mark_sent(self, actor: Any, options: dict[str, Any]) -> None:
        batch = self._batch(options["batch_id"])
        was_sent = batch.status == PayoutBatch.Status.SENT
        batch = payouts.mark_sent(batch, acting_user=actor)
        if was_sent:
            self.stdout.write(f"総合振込ファイル {batch.pk} は送信済みです（変更なし）。")
        else:
            self.stdout.write(
                f"総合振込ファイル {batch.pk} を送信済みにしました: {batch.total_count}件 "
                f"合計 {batch.total_amount:,}円"
            )

    def _regenerate(self, actor: Any, options: dict[str, Any]) -> None:
        batch = self._batch(options["batch_id"])
        content = payouts.regenerate(batch)
        if content != bytes(batch.file_content):
            # Never hand out a file that differs from the one recorded (and maybe sent).
            raise CommandError(
                f"総合振込ファイル {batch.pk} を再作成した内容が保存済みのものと一致しません。"
                "ファイルは書き出していません。"
            )
        write_atomically(options["out"], content)
        self.stdout.write(f"総合振込ファイル {batch.pk} を再出力しました → {options['out']}")

    def _import_returns(self, actor: Any, options: dict[str, Any]) -> None:
        returned = payouts.import_returns(_read(options["file"]), acting_user=actor)
        total = sum(p.amount for p in returned)
        self.stdout.write(f"組戻し {len(returned)}件 合計 {total:,}円 を取り込みました。")

    # --- collections ---------------------------------------------------------------------

    def _import_statement(self, actor: Any, options: dict[str, Any]) -> None:
        path = options["file"]
        result = collections.import_collection_statement(
            _read(path),
            filename=Path(path).name,
            acting_user=actor,
            file_format=options["file_format"],
        )
        if result.statement is None:
            self.stdout.write("このファイルは取込済みです（変更なし）。")
            return
        total = sum(d.amount for d in result.added)
        self.stdout.write(
            f"明細 {result.statement.pk}: 入金 {len(result.added)}件 合計 {total:,}円 "
            f"を取り込みました（取込済みの明細 {result.repeated}件）。"
        )

    def _reconcile(self, actor: Any, options: dict[str, Any]) -> None:
        summary = collections.run_reconciliation(acting_user=actor)
        self.stdout.write(
            f"消込: 自動消込 {summary.auto}件 / 確認待ち {summary.suggested}件 / "
            f"該当なし {summary.unmatched}件（対象 {summary.total}件）"
        )

    # --- funding -------------------------------------------------------------------------

    def _fund(self, actor: Any, options: dict[str, Any]) -> None:
        application = FinancingApplication.objects.filter(pk=options["application_id"]).first()
        if application is None:
            raise CommandError(f"申込み {options['application_id']} はありません。")
        payout = position_book().fund(application, acting_user=actor)
        self.stdout.write(
            f"申込み {application.pk} の送金 {payout.pk} を予約しました: "
            f"{payout.amount:,}円 送金予定日 {payout.requested_for:%Y-%m-%d}"
        )
