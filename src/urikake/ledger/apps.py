from django.apps import AppConfig
from django.db.backends.signals import connection_created


class LedgerConfig(AppConfig):
    name = "urikake.ledger"
    label = "ledger"
    verbose_name = "元帳（複式簿記）"

    def ready(self) -> None:
        from urikake.ledger.sqlite import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="urikake.ledger.sqlite")
