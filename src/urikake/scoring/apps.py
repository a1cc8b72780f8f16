from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "urikake.scoring"
    label = "scoring"
    verbose_name = "与信スコアリング"
