"""Staff's own notifications (mounted at /backoffice/notifications/)."""

from django.urls import path

from urikake.notifications import views

app_name = "notifications_backoffice"
urlpatterns = [
    path("", views.staff_centre, name="list"),
    path("read-all/", views.staff_read_all, name="read_all"),
    path("<int:notification_id>/open/", views.staff_open, name="open"),
]
