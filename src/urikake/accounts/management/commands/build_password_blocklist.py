"""Rebuild ``data/password_blocklist.txt.gz`` from Django's list and our additions."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import django.contrib.auth
from django.core.management.base import BaseCommand

from urikake.accounts.passwords import BLOCKLIST_PATH, normalise

DJANGO_LIST = Path(django.contrib.auth.__file__).resolve().parent / "common-passwords.txt.gz"
ADDITIONS = BLOCKLIST_PATH.parent / "password_blocklist_additions.txt"


def read_additions(path: Path = ADDITIONS) -> list[str]:
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def build_entries() -> list[str]:
    with gzip.open(DJANGO_LIST, "rt", encoding="utf-8") as fh:
        django_entries = [line.strip() for line in fh if line.strip()]
    return sorted({normalise(e) for e in [*django_entries, *read_additions()]})


class Command(BaseCommand):
    help = "パスワードのブロックリストを再生成します / rebuild the password blocklist"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", default=str(BLOCKLIST_PATH), help="output .txt.gz")

    def handle(self, *args: Any, **options: Any) -> None:
        entries = build_entries()
        data = ("\n".join(entries) + "\n").encode("utf-8")
        # mtime=0: the same input gives byte-identical output (reviewable, reproducible).
        with (
            open(options["out"], "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh,
        ):
            fh.write(data)
        self.stdout.write(f"{len(entries)} entries → {options['out']}")
