"""Applicant pages of receivables-backed loans (/my/loans/)."""

from django.urls import path

from urikake.lending import views

app_name = "lending"
urlpatterns = [
    path("", views.my_list, name="list"),
    path("apply/", views.my_apply, name="apply"),
    path("<int:pk>/", views.my_detail, name="detail"),
    path("<int:pk>/documents/", views.my_upload, name="upload"),
    path("<int:pk>/contract.pdf", views.my_contract, name="contract"),
    path("<int:pk>/sign/", views.my_sign, name="sign"),
    path("reports/<int:pk>/pdf/", views.my_report_pdf, name="report_pdf"),
    path("reports/<int:pk>/csv/", views.my_report_csv, name="report_csv"),
    path("reports/<int:pk>/submit/", views.my_report_submit, name="report_submit"),
]
