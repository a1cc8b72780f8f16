from django.apps import AppConfig


class EkycSimulatorConfig(AppConfig):
    name = "urikake.integrations.ekyc"
    label = "ekyc_simulator"
    verbose_name = "eKYC vendor adapter and simulator"
