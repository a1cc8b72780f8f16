"""Dual control on payout batches: who prepared (``created_actor``) and who approved.

Adding a foreign key makes SQLite rebuild ``treasury_payoutbatch``, which drops its triggers:
the one that keeps a batch's file final (0002) is created again here.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_BATCH_FILE_IS_FINAL = """
CREATE TRIGGER IF NOT EXISTS treasury_batch_file_is_final
BEFORE UPDATE OF file_content, file_sha256 ON treasury_payoutbatch
FOR EACH ROW WHEN NEW.file_content IS NOT OLD.file_content
    OR NEW.file_sha256 IS NOT OLD.file_sha256
BEGIN SELECT RAISE(ABORT, 'the file of a payout batch cannot change'); END;
"""


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BATCH_FILE_IS_FINAL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0006_positions_moved_to_servicing"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="payoutbatch",
            name="approved_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
        ),
        migrations.AddField(
            model_name="payoutbatch",
            name="approved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="承認者",
            ),
        ),
        migrations.AddField(
            model_name="payoutbatch",
            name="created_actor",
            field=models.CharField(blank=True, default="", max_length=100, verbose_name="作成者"),
        ),
        migrations.AlterField(
            model_name="payoutbatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("generated", "承認待ち（作成済み）"),
                    ("approved", "承認済み（未送信）"),
                    ("sent", "送信済み"),
                ],
                default="generated",
                max_length=20,
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
