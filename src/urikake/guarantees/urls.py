"""Customer pages of 保証ファクタリング (/my/guarantees/)."""

from django.urls import URLPattern

app_name = "guarantees"
urlpatterns: list[URLPattern] = []
