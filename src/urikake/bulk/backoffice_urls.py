"""Back-office pages of 一括ファクタリング (/backoffice/bulk/)."""

from django.urls import URLPattern

app_name = "bulk_backoffice"
urlpatterns: list[URLPattern] = []
