from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "urikake.bulk"
    label = "bulk"
    verbose_name = "一括ファクタリング"
