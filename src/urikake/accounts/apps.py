from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "urikake.accounts"
    label = "accounts"
    verbose_name = "アカウント"
