from django.apps import AppConfig


class GuaranteesConfig(AppConfig):
    name = "urikake.guarantees"
    label = "guarantees"
    verbose_name = "保証ファクタリング"

    def ready(self) -> None:
        # Guarantees in force count in the platform-wide exposure per debtor
        # (urikake.receivables.exposure), which their own limit check reads.
        from urikake.guarantees.services import guarantee_exposure
        from urikake.receivables.exposure import register_exposure_source

        register_exposure_source("guarantees", guarantee_exposure)

        # A guaranteed invoice may not be sold or pledged as well
        # (urikake.receivables.encumbrances).
        from django.utils.translation import gettext_lazy as _

        from urikake.guarantees.services import guaranteed_invoices
        from urikake.receivables.encumbrances import register_encumbrance_source

        register_encumbrance_source(
            "guarantee", _("売掛保証の対象（お申込み中を含む）"), guaranteed_invoices
        )
