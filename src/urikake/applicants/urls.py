from django.urls import path

from urikake.applicants import views

app_name = "applicants"
urlpatterns = [
    path("my/", views.home, name="home"),
    path("onboarding/", views.onboarding, name="onboarding"),
    path("signup/", views.signup, name="signup"),
]
