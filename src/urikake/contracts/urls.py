"""Applicant-facing pages of the contracts app (mounted at /my/contracts/)."""

from django.urls import path

from urikake.contracts import views

app_name = "contracts"
urlpatterns = [
    path("", views.contract_list, name="list"),
    path("<int:application_id>/", views.detail, name="detail"),
    path("<int:application_id>/sign/", views.sign, name="sign"),
    path("documents/<int:document_id>/pdf/", views.document_pdf, name="document_pdf"),
]
