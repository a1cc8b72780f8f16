from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "urikake.audit"
    label = "audit"
    verbose_name = "監査証跡"
