from django.urls import path

from urikake.receivables import application_views, invoice_views, maintenance_views, views

app_name = "receivables"
urlpatterns = [
    path("statements/", views.statements, name="statements"),
    path("debtors/", views.debtors, name="debtors"),
    path("invoices/", application_views.invoices, name="invoices"),
    path("debtors/<int:pk>/", maintenance_views.debtor_detail, name="debtor"),
    path("debtors/<int:pk>/delete/", maintenance_views.debtor_delete, name="debtor_delete"),
    path("invoices/<int:pk>/", invoice_views.invoice_detail, name="invoice"),
    path("invoices/<int:pk>/edit/", maintenance_views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/delete/", maintenance_views.invoice_delete, name="invoice_delete"),
    path("applications/", application_views.applications, name="applications"),
    path("applications/<int:pk>/", application_views.application, name="application"),
    path(
        "applications/<int:pk>/answer/",
        application_views.application_answer,
        name="application_answer",
    ),
]
