from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "urikake.contracts"
    label = "contracts"
    verbose_name = "電子契約"
