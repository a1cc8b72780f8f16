from django.urls import path

from urikake.backoffice import applicant_views, audit_views, dashboard_views, staff_views, views

app_name = "backoffice"
urlpatterns = [
    path("", views.home, name="home"),
    path("applicants/", applicant_views.applicant_list, name="applicants"),
    path("applicants/<int:org_id>/", applicant_views.applicant_detail, name="applicant"),
    path(
        "invoices/<int:invoice_id>/file/",
        applicant_views.invoice_evidence,
        name="invoice_evidence",
    ),
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/export.csv", audit_views.audit_csv, name="audit_csv"),
    path("audit/<int:seq>/", audit_views.audit_detail, name="audit_record"),
    path("dashboards/", dashboard_views.dashboards, name="dashboards"),
    path("dashboards/<slug:key>.csv", dashboard_views.dashboard_csv, name="dashboard_csv"),
    path("staff/", staff_views.staff_roles, name="staff_roles"),
]
