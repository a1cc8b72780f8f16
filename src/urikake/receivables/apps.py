from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "urikake.receivables"
    label = "receivables"
    verbose_name = "売掛債権・入出金明細"

    def ready(self) -> None:
        # Invoices in a purchase application under way, or bought, are held by factoring
        # (urikake.receivables.encumbrances): no other product may finance them again.
        from django.utils.translation import gettext_lazy as _

        from urikake.receivables.encumbrances import (
            invoices_in_purchase,
            register_encumbrance_source,
        )

        register_encumbrance_source(
            "factoring",
            _("ファクタリング（買取）のお申込み中または買取済み"),
            invoices_in_purchase,
        )
