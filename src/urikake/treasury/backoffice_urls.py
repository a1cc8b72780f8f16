"""Back-office pages of the treasury (/backoffice/treasury/)."""

from django.urls import include, path

from urikake.treasury import backoffice_views as views

app_name = "treasury_backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("overdue/", include("urikake.treasury.overdue_backoffice_urls")),
]
