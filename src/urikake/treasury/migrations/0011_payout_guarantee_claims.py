"""A payout may be a guarantee claim (kind ``guarantee``, urikake.guarantees): no purchase
application, like a loan draw.

Altering ``treasury_payout`` makes SQLite rebuild the table, which drops its trigger: the one
that keeps a payout in the batch it was written to (0002) is created again here.
"""

from django.db import migrations, models

SQLITE_PAYOUT_BATCH_IS_FINAL = """
CREATE TRIGGER IF NOT EXISTS treasury_payout_batch_is_final
BEFORE UPDATE OF batch_id ON treasury_payout
FOR EACH ROW WHEN OLD.batch_id IS NOT NULL AND NEW.batch_id IS NOT OLD.batch_id
BEGIN SELECT RAISE(ABORT, 'payout is already in a batch'); END;
"""


def restore_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_PAYOUT_BATCH_IS_FINAL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0010_payout_loan_draws"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="payout", name="payout_application_unless_loan"),
        migrations.AlterField(
            model_name="payout",
            name="kind",
            field=models.CharField(
                choices=[
                    ("advance", "買取代金"),
                    ("reserve", "留保金返還"),
                    ("loan", "融資実行"),
                    ("guarantee", "保証履行"),
                ],
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("application__isnull", False),
                    ("kind__in", ["loan", "guarantee"]),
                    _connector="OR",
                ),
                name="payout_application_unless_loan_or_guarantee",
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
