"""``urikake security keygen|rotate-keys`` — keys for encryption at rest."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from urikake.audit import services as audit
from urikake.security import crypto


class Command(BaseCommand):
    help = "保存データ暗号化の鍵管理 (encryption-at-rest keys)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("keygen", help="print a new key for FIELD_ENCRYPTION_KEYS")
        rotate = sub.add_parser(
            "rotate-keys", help="re-encrypt every encrypted value with the first configured key"
        )
        rotate.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "keygen":
            self.stdout.write(crypto.generate_key())
            return
        total = 0
        for model, field in crypto.encrypted_fields():
            table = connection.ops.quote_name(model._meta.db_table)
            column = connection.ops.quote_name(field.column)
            pk = connection.ops.quote_name(model._meta.pk.column)
            count = 0
            with transaction.atomic():
                # Raw SQL: read the stored ciphertext, not the decrypted value.
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT {pk}, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608 # nosec B608 # identifiers quoted by quote_name, values bound as parameters
                        f" AND {column} <> ''"
                    )
                    rows = cursor.fetchall()
                for row_pk, stored in rows:
                    with connection.cursor() as cursor:
                        cursor.execute(  # nosemgrep: sql-no-string-formatting # quoted identifiers
                            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608 # nosec B608 # identifiers quoted by quote_name, values bound as parameters
                            [crypto.rotate_text(stored), row_pk],
                        )
                    count += 1
                audit.record(
                    "security.keys_rotated",
                    actor="cli:security",
                    object_type=model._meta.label_lower,
                    object_id=field.name,
                    payload={"rows": count},
                )
            total += count
            self.stdout.write(f"{model._meta.label}.{field.name}: {count} values re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"done: {total} values re-encrypted"))
