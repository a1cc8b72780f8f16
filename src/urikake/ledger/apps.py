from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "urikake.ledger"
    label = "ledger"
    verbose_name = "元帳（複式簿記）"
