from django.apps import AppConfig


class SecuritizationConfig(AppConfig):
    name = "urikake.securitization"
    label = "securitization"
    verbose_name = "証券化"
