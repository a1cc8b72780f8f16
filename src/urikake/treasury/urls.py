"""Applicant-facing pages of the treasury app."""

from django.urls import path  # noqa: F401

app_name = "treasury"
urlpatterns: list = []
