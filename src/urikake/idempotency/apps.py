from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "urikake.idempotency"
    label = "idempotency"
    verbose_name = "Idempotency keys"
