"""Back-office pages of 保証ファクタリング (/backoffice/guarantees/)."""

from django.urls import URLPattern

app_name = "guarantees_backoffice"
urlpatterns: list[URLPattern] = []
