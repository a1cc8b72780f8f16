"""``urikake audit verify|checkpoint|keygen`` — check and anchor the audit trail."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from urikake.audit import services as audit
from urikake.audit.checkpoints import (
    Checkpoint,
    check_checkpoint,
    create_checkpoint,
    verify_stored_chain,
)
from urikake.audit.keys import generate_private_key_pem


class Command(BaseCommand):
    help = "監査証跡の検証とチェックポイント (verify the audit chain, sign its head)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="check the whole chain; exit 1 if broken")
        verify.add_argument(
            "--checkpoint",
            type=Path,
            action="append",
            default=[],
            help="also check a signed checkpoint file (may be repeated)",
        )
        cp = sub.add_parser("checkpoint", help="sign the chain head and write it to a file")
        cp.add_argument(
            "--out", type=Path, help="file to write (default: ./var/audit-checkpoints/)"
        )
        sub.add_parser("keygen", help="print a new Ed25519 private key (PEM) for AUDIT_SIGNING_KEY")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['subcommand']}")(options)

    def _verify(self, options: dict[str, Any]) -> None:
        report = verify_stored_chain()
        if not report.ok:
            raise CommandError(
                f"監査証跡が改ざんされています / audit chain BROKEN at record "
                f"{report.first_broken_seq}: {report.reason} "
                f"({report.checked} records verified before it)"
            )
        for path in options["checkpoint"]:
            try:
                checkpoint = Checkpoint.load(path)
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"cannot read checkpoint {path}: {exc}") from exc
            problem = check_checkpoint(checkpoint)
            if problem:
                raise CommandError(f"checkpoint {path} FAILED: {problem}")
            self.stdout.write(f"checkpoint {path}: ok (record {checkpoint.seq})")
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain ok: {report.checked} records, head {report.head_seq} "
                f"{report.head_hash[:16]}…"
            )
        )

    def _checkpoint(self, options: dict[str, Any]) -> None:
        try:
            checkpoint = create_checkpoint()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        out: Path | None = options["out"]
        if out is None:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
            out = Path(settings.VAR_DIR) / "audit-checkpoints" / f"{stamp}-{checkpoint.seq}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(checkpoint.to_json())
        with transaction.atomic():
            audit.record(
                "audit.checkpoint_signed",
                actor="cli:audit",
                object_type="audit.chain",
                object_id=str(checkpoint.seq),
                payload={"seq": checkpoint.seq, "hash": checkpoint.hash},
            )
        self.stdout.write(self.style.SUCCESS(f"checkpoint of record {checkpoint.seq} → {out}"))

    def _keygen(self, options: dict[str, Any]) -> None:
        self.stdout.write(generate_private_key_pem().decode(), ending="")
