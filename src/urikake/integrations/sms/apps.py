from django.apps import AppConfig


class SmsSimulatorConfig(AppConfig):
    name = "urikake.integrations.sms"
    label = "sms_simulator"
    verbose_name = "SMS gateway adapter and simulator"
