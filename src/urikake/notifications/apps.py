from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "urikake.notifications"
    label = "notifications"
    verbose_name = "通知"
