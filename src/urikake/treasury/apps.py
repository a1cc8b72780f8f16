from django.apps import AppConfig


class TreasuryConfig(AppConfig):
    name = "urikake.treasury"
    label = "treasury"
    verbose_name = "資金管理（対抗要件・送金・回収・消込）"
