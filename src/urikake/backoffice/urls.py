from django.urls import path

from urikake.backoffice import dashboard_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", dashboard_views.dashboards, name="dashboards"),
    path("dashboards/<slug:key>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
]
