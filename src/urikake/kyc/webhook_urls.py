from django.urls import URLPattern, URLResolver

app_name = "kyc_webhook"
urlpatterns: list[URLPattern | URLResolver] = []
