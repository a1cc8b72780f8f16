from django.urls import URLPattern, URLResolver, path

from urikake.receivables import bank_views

app_name = "bank"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", bank_views.pull, name="pull"),
]
