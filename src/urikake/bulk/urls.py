"""Customer pages of 一括ファクタリング (/my/bulk/): buyers and suppliers."""

from django.urls import path

from urikake.bulk import views

app_name = "bulk"
urlpatterns = [
    path("", views.my_home, name="home"),
    path("payables/upload/", views.my_upload, name="upload"),
    path("fees/<int:pk>/pdf/", views.my_fee_pdf, name="fee_pdf"),
    path("programs/<int:pk>/", views.my_program, name="program"),
    path("programs/<int:pk>/agreement.pdf", views.my_agreement, name="agreement"),
    path("programs/<int:pk>/sign/", views.my_sign, name="sign"),
    path("receivables/<int:pk>/early/", views.my_early, name="early"),
]
