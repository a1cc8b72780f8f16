"""Applicant-facing pages of the treasury app (/my/treasury/)."""

from django.urls import path

from urikake.treasury import overdue_views

app_name = "treasury"
urlpatterns = [
    path("", overdue_views.my_list, name="list"),
    path("<int:pk>/", overdue_views.my_detail, name="detail"),
]
