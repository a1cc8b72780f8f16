"""``urikake tasks recover`` — put back in the queue the tasks of workers that died.

Every running ``urikake worker`` does this by itself on each heartbeat (after
``WORKER_STALE_AFTER_SECONDS``); the command is for an operator who wants it now, e.g. after
restarting a host whose workers were killed, or when no worker is running yet::

    urikake tasks recover                    # workers silent for WORKER_STALE_AFTER_SECONDS
    urikake tasks recover --older-than 120   # a stricter or looser threshold (seconds)

See :mod:`urikake.system.task_recovery` and docs/operations.md §7.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from urikake.system.task_recovery import recover_stale_tasks


class Command(BaseCommand):
    help = "バックグラウンド処理の管理（停止したワーカーの処理を再実行待ちに戻す）"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        recover = sub.add_parser(
            "recover", help="停止したワーカーが実行中だった処理を再実行待ちに戻す"
        )
        recover.add_argument(
            "--older-than",
            type=float,
            default=None,
            metavar="SECONDS",
            help="ワーカーの応答がこの秒数ない処理を対象にする（既定: WORKER_STALE_AFTER_SECONDS）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["older_than"]
        if seconds is None:
            seconds = float(settings.WORKER_STALE_AFTER_SECONDS)
        # A live worker refreshes its heartbeat every WORKER_HEARTBEAT_SECONDS, also while a
        # task runs: a shorter threshold would take a running task from a live worker.
        floor = 2 * float(settings.WORKER_HEARTBEAT_SECONDS)
        if seconds < floor:
            raise CommandError(
                f"--older-than は {floor:g} 秒（ハートビート間隔の2倍）以上にしてください。"
            )
        outcome = recover_stale_tasks(older_than=timedelta(seconds=seconds))
        self.stdout.write(
            f"再実行待ちに戻した処理: {len(outcome.requeued)}件 / "
            f"中止した処理（{len(outcome.failed)}件、繰り返しワーカーが停止）"
        )
        for task_id in outcome.requeued:
            self.stdout.write(f"  requeued {task_id}")
        for task_id in outcome.failed:
            self.stdout.write(f"  failed {task_id}")
