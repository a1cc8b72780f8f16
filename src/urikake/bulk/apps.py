from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "urikake.bulk"
    label = "bulk"
    verbose_name = "一括ファクタリング"

    def ready(self) -> None:
        # Payables bought early count in the platform-wide exposure per debtor (the buyer).
        from urikake.bulk.exposure import bought_payables
        from urikake.receivables.exposure import register_exposure_source

        register_exposure_source("bulk_payables", bought_payables)
