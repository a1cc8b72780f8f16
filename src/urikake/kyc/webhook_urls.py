from django.urls import URLPattern, URLResolver, path

from urikake.kyc import views

app_name = "kyc_webhook"
urlpatterns: list[URLPattern | URLResolver] = [
    path("ekyc/", views.ekyc_webhook, name="ekyc"),
]
