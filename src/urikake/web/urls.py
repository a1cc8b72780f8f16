from django.urls import path

from urikake.web import views

app_name = "web"
urlpatterns = [
    path("", views.top, name="top"),
]
