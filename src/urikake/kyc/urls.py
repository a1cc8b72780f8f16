from django.urls import URLPattern, URLResolver, path

from urikake.kyc import views

app_name = "kyc"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.status, name="status"),
]
