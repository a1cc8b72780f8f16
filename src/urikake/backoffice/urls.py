from django.urls import path

from urikake.backoffice import staff_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("staff/", staff_views.staff_roles, name="staff_roles"),
]
