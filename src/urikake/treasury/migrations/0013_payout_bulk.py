"""A payout may be a bulk-factoring payment (kind ``bulk``, urikake.bulk): no application."""

from django.db import migrations, models

SQLITE_PAYOUT_BATCH_IS_FINAL = """
CREATE TRIGGER IF NOT EXISTS treasury_payout_batch_is_final
BEFORE UPDATE OF batch_id ON treasury_payout
FOR EACH ROW WHEN OLD.batch_id IS NOT NULL AND NEW.batch_id IS NOT OLD.batch_id
BEGIN SELECT RAISE(ABORT, 'payout is already in a batch'); END;
"""


def restore_sqlite_trigger(apps, schema_editor):
    # Altering treasury_payout makes SQLite rebuild the table, which drops the trigger of 0002.
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_PAYOUT_BATCH_IS_FINAL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("applicants", "0002_data_use_consent"),
        ("receivables", "0008_external_checks"),
        ("servicing", "0002_position_product_choices_from_registry"),
        ("treasury", "0012_payout_lending_kinds"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="payout",
            name="payout_application_unless_own_product",
        ),
        migrations.AlterField(
            model_name="payout",
            name="kind",
            field=models.CharField(
                choices=[
                    ("advance", "買取代金"),
                    ("reserve", "留保金返還"),
                    ("loan", "融資実行"),
                    ("loan_surplus", "返済超過額の返還"),
                    ("guarantee_fee", "信用保証料の支払（保証協会）"),
                    ("recovery_share", "回収金の按分（保証協会）"),
                    ("guarantee", "保証履行"),
                    ("bulk", "一括ファクタリング支払"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="payout",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("application__isnull", False),
                    (
                        "kind__in",
                        [
                            "loan",
                            "loan_surplus",
                            "guarantee_fee",
                            "recovery_share",
                            "guarantee",
                            "bulk",
                        ],
                    ),
                    _connector="OR",
                ),
                name="payout_application_unless_own_product",
            ),
        ),
        migrations.RunPython(restore_sqlite_trigger, migrations.RunPython.noop),
    ]
