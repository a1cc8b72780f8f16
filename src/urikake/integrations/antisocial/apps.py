from django.apps import AppConfig


class AntisocialSimulatorConfig(AppConfig):
    """Installed in development only: brings the ``urikake antisocial_simulator`` command."""

    name = "urikake.integrations.antisocial"
    label = "antisocial_simulator"
    verbose_name = "Anti-social-forces screening adapter and simulator"
