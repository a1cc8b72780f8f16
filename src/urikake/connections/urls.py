from django.urls import path

from urikake.connections import views

app_name = "connections"
urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.create, name="create"),
    path("pending/", views.pending, name="pending"),
    path("expiring/", views.expiring, name="expiring"),
    path("<slug:name>/", views.detail, name="detail"),
    path("<slug:name>/evidence/<int:evidence_id>/", views.evidence_file, name="evidence"),
]
