from django.apps import AppConfig


class ServicingConfig(AppConfig):
    name = "urikake.servicing"
    label = "servicing"
    verbose_name = "債権管理（回収・延滞・償却）"

    def ready(self) -> None:
        # Treasury reaches positions only through its PositionBook port (see the package
        # docstring); servicing provides it.
        from urikake.servicing.collections import ServicingBook
        from urikake.treasury.positions import register_position_book

        register_position_book(ServicingBook())

        # Platform-wide exposure per debtor (urikake.receivables.exposure).
        from urikake.receivables.exposure import register_exposure_source
        from urikake.servicing.exposure import open_positions

        register_exposure_source("positions", open_positions)
