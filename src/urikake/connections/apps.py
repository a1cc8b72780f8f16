from django.apps import AppConfig


class ConnectionsConfig(AppConfig):
    name = "urikake.connections"
    label = "connections"
    verbose_name = "接続許可"

    def ready(self) -> None:
        # integrations import no app: the register plugs its gate into the shared HTTP client
        # (and thereby into the mail sender's SMTP delivery) here.
        from urikake.connections.gate import RegisterGate
        from urikake.integrations import http

        http.set_gate(RegisterGate())
