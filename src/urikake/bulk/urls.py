"""Customer pages of 一括ファクタリング (/my/bulk/)."""

from django.urls import URLPattern

app_name = "bulk"
urlpatterns: list[URLPattern] = []
