from django.apps import AppConfig


class ApplicantsConfig(AppConfig):
    name = "urikake.applicants"
    label = "applicants"
    verbose_name = "申込者（事業者）"
