# Moves treasury.PurchasedReceivable / TreasuryNote to servicing.Position / PositionNote
# (issue 9): state only, the tables stay.

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("treasury", "0005_treasury_notes"),
        ("applicants", "0001_initial"),
        ("receivables", "0005_invoicedraft"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables were created by the treasury app; this moves the models in Django's state
    # only (no row is copied, ids stay), and reverses the same way.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Position",
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
                        ("product", models.CharField(max_length=20)),
                        ("face_amount", models.BigIntegerField(verbose_name="額面")),
                        ("advance_amount", models.BigIntegerField(verbose_name="買取金額")),
                        ("fee", models.BigIntegerField(verbose_name="買取手数料")),
                        ("admin_fee", models.BigIntegerField(default=0, verbose_name="事務手数料")),
                        ("holdback", models.BigIntegerField(verbose_name="留保金")),
                        ("due_date", models.DateField(verbose_name="支払期日")),
                        ("expected_on", models.DateField(verbose_name="回収予定日")),
                        (
                            "forward_due_on",
                            models.DateField(blank=True, null=True, verbose_name="転送期限"),
                        ),
                        (
                            "collected_amount",
                            models.BigIntegerField(default=0, verbose_name="回収額"),
                        ),
                        (
                            "fee_deducted",
                            models.BigIntegerField(default=0, verbose_name="先方負担手数料"),
                        ),
                        (
                            "shortfall_written_off",
                            models.BigIntegerField(default=0, verbose_name="償却額"),
                        ),
                        (
                            "reserve_applied",
                            models.BigIntegerField(default=0, verbose_name="留保金充当額"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "回収待ち"),
                                    ("collected", "回収済み"),
                                    ("defaulted", "延滞・債務不履行"),
                                    ("written_off", "償却済み"),
                                ],
                                default="open",
                                max_length=20,
                            ),
                        ),
                        (
                            "collected_on",
                            models.DateField(blank=True, null=True, verbose_name="回収完了日"),
                        ),
                        (
                            "reserve_released_on",
                            models.DateField(blank=True, null=True, verbose_name="留保金返還日"),
                        ),
                        (
                            "reminders_sent",
                            models.PositiveSmallIntegerField(default=0, verbose_name="督促回数"),
                        ),
                        ("last_reminded_on", models.DateField(blank=True, null=True)),
                        (
                            "escalated_on",
                            models.DateField(
                                blank=True, null=True, verbose_name="エスカレーション日"
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "application",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchases",
                                to="receivables.financingapplication",
                            ),
                        ),
                        (
                            "debtor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchases",
                                to="receivables.debtor",
                            ),
                        ),
                        (
                            "invoice",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchase",
                                to="receivables.invoice",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="purchases",
                                to="applicants.organization",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "買取債権",
                        "verbose_name_plural": "買取債権",
                        "db_table": "treasury_purchasedreceivable",
                    },
                ),
                migrations.CreateModel(
                    name="PositionNote",
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
                        ("action", models.CharField(max_length=60)),
                        ("comment", models.TextField(verbose_name="理由")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "author",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "purchase",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="notes",
                                to="servicing.position",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "判断の理由",
                        "verbose_name_plural": "判断の理由",
                        "db_table": "treasury_treasurynote",
                    },
                ),
                migrations.AddConstraint(
                    model_name="position",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("face_amount__gt", 0),
                            ("collected_amount__gte", 0),
                            ("fee_deducted__gte", 0),
                            ("holdback__gte", 0),
                        ),
                        name="purchase_amounts_valid",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="position",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            (
                                "collected_amount__lte",
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("face_amount"), "-", models.F("fee_deducted")
                                    ),
                                    "-",
                                    models.F("shortfall_written_off"),
                                ),
                            )
                        ),
                        name="purchase_not_overcollected",
                    ),
                ),
            ],
        ),
    ]
