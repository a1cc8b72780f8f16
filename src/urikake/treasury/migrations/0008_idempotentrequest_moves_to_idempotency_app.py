# IdempotentRequest moved to urikake.idempotency (state only: the table keeps its name).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0007_payout_batch_dual_control"),
        ("idempotency", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotentRequest")],
            database_operations=[],
        ),
    ]
