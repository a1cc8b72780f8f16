from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "urikake.backoffice"
    label = "backoffice"
    verbose_name = "業務メニュー"
