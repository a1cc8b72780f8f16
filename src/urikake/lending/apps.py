from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "urikake.lending"
    label = "lending"
    verbose_name = "売掛債権担保融資"

    def ready(self) -> None:
        # Pledged collateral counts in the platform-wide exposure per debtor
        # (urikake.receivables.exposure).
        from urikake.lending.exposure import pledged_collateral
        from urikake.receivables.exposure import register_exposure_source

        register_exposure_source("loan_collateral", pledged_collateral)
