"""Back-office pages of the contracts app (mounted at /backoffice/contracts/)."""

from django.urls import path

from urikake.contracts import backoffice_views

app_name = "contracts_backoffice"
urlpatterns = [
    path("", backoffice_views.contract_list, name="list"),
    path("documents/<int:document_id>/pdf/", backoffice_views.document_pdf, name="document_pdf"),
]
