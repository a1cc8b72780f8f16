from django.urls import URLPattern, URLResolver

app_name = "kyc"
urlpatterns: list[URLPattern | URLResolver] = []
