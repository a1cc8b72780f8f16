"""Back-office pages of 一括ファクタリング (/backoffice/bulk/)."""

from django.urls import path

from urikake.bulk import views

app_name = "bulk_backoffice"
urlpatterns = [
    path("", views.bo_list, name="list"),
    path("enroll/", views.bo_enroll, name="enroll"),
    path("<int:pk>/", views.bo_detail, name="detail"),
    path("<int:pk>/terms/", views.bo_terms, name="terms"),
    path("<int:pk>/suppliers/", views.bo_add_supplier, name="add_supplier"),
    path("<int:pk>/settle/", views.bo_settle, name="settle"),
    path("<int:pk>/fees/", views.bo_fee, name="fee"),
    path("fees/<int:pk>/paid/", views.bo_fee_paid, name="fee_paid"),
    path("fees/<int:pk>/pdf/", views.bo_fee_pdf, name="fee_pdf"),
]
