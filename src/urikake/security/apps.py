from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "urikake.security"
    label = "security"
    verbose_name = "セキュリティ"
