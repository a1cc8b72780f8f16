from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "urikake.plans"
    label = "plans"
    verbose_name = "プラン・限度額"
