from django.urls import URLPattern, URLResolver, path

from urikake.kyc import views

app_name = "kyc_backoffice"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.backoffice_list, name="list"),
    path("<int:check_id>/", views.backoffice_detail, name="detail"),
    path("<int:check_id>/document/", views.backoffice_document, name="document"),
]
