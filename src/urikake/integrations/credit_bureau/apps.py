from django.apps import AppConfig


class CreditBureauSimulatorConfig(AppConfig):
    """Installed in development only: brings the ``urikake credit_bureau_simulator`` command."""

    name = "urikake.integrations.credit_bureau"
    label = "credit_bureau_simulator"
    verbose_name = "Credit bureau adapter and simulator"
