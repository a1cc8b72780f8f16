# IdempotentRequest moved here from treasury (state only: the table keeps its name).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("treasury", "0005_treasury_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotentRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("scope", models.CharField(max_length=80)),
                        ("key", models.CharField(max_length=255)),
                        ("request_digest", models.CharField(max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField()),
                        ("response", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "treasury_idempotentrequest",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "scope", "key"), name="uniq_idempotent_request"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
