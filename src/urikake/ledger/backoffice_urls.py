"""Back-office pages of the ledger app."""

from django.urls import path  # noqa: F401

app_name = "ledger_backoffice"
urlpatterns: list = []
