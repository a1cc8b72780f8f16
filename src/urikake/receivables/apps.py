from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "urikake.receivables"
    label = "receivables"
    verbose_name = "売掛債権・入出金明細"
