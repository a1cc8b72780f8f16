import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("servicing", "0001_positions_from_treasury"),
        ("treasury", "0005_treasury_notes"),
    ]

    # The positions moved to servicing (servicing.0001): Django's state only, the tables and
    # the foreign keys in the database stay as they are.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="payout",
                    name="purchase",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="payouts",
                        to="servicing.position",
                    ),
                ),
                migrations.RemoveField(
                    model_name="treasurynote",
                    name="purchase",
                ),
                migrations.AlterField(
                    model_name="allocation",
                    name="purchase",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="servicing.position",
                    ),
                ),
                migrations.RemoveField(
                    model_name="treasurynote",
                    name="author",
                ),
                migrations.DeleteModel(
                    name="PurchasedReceivable",
                ),
                migrations.DeleteModel(
                    name="TreasuryNote",
                ),
            ],
        ),
    ]
