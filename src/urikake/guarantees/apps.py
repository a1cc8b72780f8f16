from django.apps import AppConfig


class GuaranteesConfig(AppConfig):
    name = "urikake.guarantees"
    label = "guarantees"
    verbose_name = "保証ファクタリング"
