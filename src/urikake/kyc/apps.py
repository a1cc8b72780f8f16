from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "urikake.kyc"
    label = "kyc"
    verbose_name = "本人確認 (eKYC)"
