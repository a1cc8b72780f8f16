from django.apps import AppConfig


class BankSimulatorConfig(AppConfig):
    """Installed in development only: brings the ``urikake bank_simulator`` command."""

    name = "urikake.integrations.bank"
    label = "bank_simulator"
    verbose_name = "Bank API adapter and simulator"
