from django.urls import URLPattern, URLResolver

app_name = "kyc_backoffice"
urlpatterns: list[URLPattern | URLResolver] = []
