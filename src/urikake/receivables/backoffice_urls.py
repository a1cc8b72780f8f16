from django.urls import path

from urikake.receivables import backoffice_views

app_name = "receivables_backoffice"
urlpatterns = [
    path("", backoffice_views.queue, name="queue"),
    path("<int:pk>/", backoffice_views.detail, name="detail"),
]
