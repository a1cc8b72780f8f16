from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "urikake.lending"
    label = "lending"
    verbose_name = "売掛債権担保融資"
