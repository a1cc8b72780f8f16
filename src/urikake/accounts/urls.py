from django.urls import path

from urikake.accounts import views

app_name = "accounts"
urlpatterns = [
    path("help/", views.login_help, name="login_help"),
    path("security/", views.security, name="security"),
]
