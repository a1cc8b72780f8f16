"""Back-office pages for ageing, reminders, defaults and write-offs (included from
``backoffice_urls`` under ``overdue/``; names are in the ``treasury_backoffice`` namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
