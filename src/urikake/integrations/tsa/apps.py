from django.apps import AppConfig


class TsaSimulatorConfig(AppConfig):
    """Installed in development only: brings the ``urikake tsa_simulator`` command."""

    name = "urikake.integrations.tsa"
    label = "tsa_simulator"
    verbose_name = "RFC 3161 time-stamping authority simulator"
