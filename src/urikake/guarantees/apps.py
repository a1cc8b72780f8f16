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
