"""The applicant's notification centre and phone verification (mounted at /my/notifications/)."""

from django.urls import path

from urikake.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.centre, name="list"),
    path("read-all/", views.read_all, name="read_all"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("phone/", views.phone, name="phone"),
]
