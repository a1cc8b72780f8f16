from django.apps import AppConfig


class SecuritizationConfig(AppConfig):
    name = "urikake.securitization"
    label = "securitization"
    verbose_name = "証券化"

    def ready(self) -> None:
        # Servicing keeps collecting sold positions; it learns which are sold from here.
        from urikake.securitization.services import record_sold_event, sold_in
        from urikake.servicing.sold import register_sold_event_listener, register_sold_lookup

        register_sold_lookup(sold_in)
        # Its defaults, write-offs and recoveries are the SPV's: recorded against the pool.
        register_sold_event_listener(record_sold_event)
