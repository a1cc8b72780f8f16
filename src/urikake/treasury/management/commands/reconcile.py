"""``urikake reconcile`` — 入金消込: match a statement's deposits to open items.

    urikake reconcile --statement FILE --open-items FILE --out FILE
                      [--payer-links FILE] [--fee-tolerance N]

``--statement``: a 全銀 入出金取引明細 (03) / 振込入金通知 (01) file (recognised by its first
record) or a CSV ``deposit_id,value_date,amount,payer_kana``. ``--open-items``: CSV
``item_id,debtor_name,debtor_kana,amount,due_date,invoice_number[,debtor_id]``.
``--payer-links``: CSV ``payer_kana,debtor_id`` of confirmed payers. Output: CSV
``deposit_id,status,item_ids,difference,reason,…`` (see urikake.domain.reconciliation.csvio).

Bad input: a Japanese error naming the file and line on stderr, exit code 1, and no output
file (it is written to a temporary file and renamed into place only when complete). A
progress bar on stderr for large statements; a summary (counts per status) at the end.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm  # type: ignore[import-untyped]  # no stubs installed

from urikake.domain.errors import DomainError
from urikake.domain.reconciliation import MatchPolicy, MatchStatus
from urikake.domain.reconciliation.csvio import (
    MatchLines,
    count_lines,
    iter_deposits,
    read_open_items_file,
    read_payer_links,
)
from urikake.domain.reconciliation.stream import reconcile_to_file
from urikake.files import atomic_open

PROGRESS_FROM = 20_000  # deposits; smaller runs finish before a bar would be useful


def _read(path: str, label: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"{label}ファイル {path} を読めません: {exc.strerror or exc}") from exc


def _located(exc: DomainError, path: str) -> CommandError:
    where = [path]
    if exc.line is not None:
        where.append(f"{exc.line}行目")
    if exc.field is not None:
        where.append(exc.field)
    return CommandError(f"{' '.join(where)}: {exc.message}")


class Command(BaseCommand):
    help = "入金明細の入金を未消込の請求に消し込みます (reconcile deposits with open items)"
    # Files in, a file out: no database, models or URLs to check (the checks took ~0.7 s
    # of a run's start-up).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--statement", required=True, help="全銀 01/03 ファイルまたは入金CSV")
        parser.add_argument("--open-items", dest="open_items", required=True, help="未消込明細CSV")
        parser.add_argument("--out", required=True, help="結果CSVの出力先")
        parser.add_argument(
            "--payer-links", dest="payer_links", help="確認済みの振込依頼人→売掛先 CSV"
        )
        parser.add_argument(
            "--fee-tolerance",
            dest="fee_tolerance",
            type=int,
            default=0,
            help="既定の手数料額のほかに、この金額(円)以下の差し引きも振込手数料とみなす",
        )
        parser.add_argument(
            "--no-progress", dest="progress", action="store_false", help="進捗バーを表示しない"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fee_tolerance"] < 0:
            raise CommandError("--fee-tolerance は0以上の整数で指定してください")
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"出力先のディレクトリ {out.parent} がありません")
        statement, items_path = options["statement"], options["open_items"]
        for path, label in ((statement, "入金明細"), (items_path, "未消込明細")):
            if not Path(path).is_file():
                raise CommandError(f"{label}ファイル {path} を読めません: ありません")
        try:
            items = read_open_items_file(items_path)
        except DomainError as exc:
            raise _located(exc, items_path) from exc
        except OSError as exc:
            raise CommandError(f"未消込明細ファイル {items_path} を読めません: {exc}") from exc
        links: dict[str, str] = {}
        if options["payer_links"]:
            try:
                links = read_payer_links(_read(options["payer_links"], "振込依頼人の紐付け"))
            except DomainError as exc:
                raise _located(exc, options["payer_links"]) from exc
        policy = MatchPolicy(fee_tolerance=options["fee_tolerance"])
        # The deposits are streamed (memory grows with the open items, not the statement):
        # the total for the bar is the statement's line count, read block by block.
        try:
            expected = max(count_lines(statement) - 1, 0)
        except OSError as exc:
            raise CommandError(f"入金明細ファイル {statement} を読めません: {exc}") from exc
        show = options["progress"] and expected >= PROGRESS_FROM
        lines = MatchLines()
        with tqdm(total=expected, desc="消込", unit="件", disable=not show, file=sys.stderr) as bar:
            try:
                with atomic_open(out) as fh:
                    fh.write(lines.header.encode())
                    # Each process writes the lines of the deposits it judged; they are
                    # copied into the file in input order once every deposit is judged.
                    counts, fees = reconcile_to_file(
                        iter_deposits(statement),
                        items,
                        lines,
                        fh,
                        policy=policy,
                        payer_links=links,
                        progress=bar.update,
                    )
            except DomainError as exc:
                # Bad rows of the statement surface while it is read (before anything is
                # written: the output file is only renamed into place when complete).
                raise _located(exc, statement) from exc
            except OSError as exc:
                reason = exc.strerror or exc
                raise CommandError(
                    f"{out} に書き込めません ({reason})。結果ファイルは作成していません"
                ) from exc
        total = sum(counts.values())
        self.stdout.write(
            f"入金 {total:,}件 / 未消込明細 {len(items):,}件: "
            f"自動消込 {counts[MatchStatus.AUTO]:,}件、候補あり(要確認) "
            f"{counts[MatchStatus.SUGGESTED]:,}件、該当なし {counts[MatchStatus.UNMATCHED]:,}件"
            f"(自動消込の振込手数料差引 合計 {fees:,}円) → {out}"
        )
