from django.apps import AppConfig


class SecuritizationConfig(AppConfig):
    name = "urikake.securitization"
    label = "securitization"
    verbose_name = "証券化"

    def ready(self) -> None:
        # Servicing keeps collecting sold positions; it learns which are sold from here.
        from urikake.securitization.services import sold_in
        from urikake.servicing.sold import register_sold_lookup

        register_sold_lookup(sold_in)
