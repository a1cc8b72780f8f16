from django.urls import path

from urikake.web import views

app_name = "web"
urlpatterns = [
    path("", views.top, name="top"),
    path("company/", views.company, name="company"),
    path("faq/", views.faq, name="faq"),
    path("contact/", views.contact, name="contact"),
    path("contact/sent/", views.contact_sent, name="contact_sent"),
]
