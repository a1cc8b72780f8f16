from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "urikake.system"
    label = "system"
    verbose_name = "システム"
