from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "urikake.mail"
    label = "mail"
    verbose_name = "送信メール (outgoing mail)"
