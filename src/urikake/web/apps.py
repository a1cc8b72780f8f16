from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "urikake.web"
    label = "web"
    verbose_name = "ウェブ"
