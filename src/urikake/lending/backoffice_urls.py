"""Back-office pages of receivables-backed loans (/backoffice/lending/)."""

from django.urls import path

from urikake.lending import views

app_name = "lending_backoffice"
urlpatterns = [
    path("", views.bo_list, name="list"),
    path("matrix/", views.bo_matrix, name="matrix"),
    path("matrix/new/", views.bo_matrix_set, name="matrix_set"),
    path("<int:pk>/", views.bo_detail, name="detail"),
    path("<int:pk>/documents/<int:doc>/", views.bo_document, name="document"),
    path("<int:pk>/documents/<int:doc>/check/", views.bo_check_document, name="check"),
    path("<int:pk>/collateral/<int:collateral>/assess/", views.bo_assess, name="assess"),
    path("<int:pk>/collateral/<int:collateral>/release/", views.bo_release, name="release"),
    path("<int:pk>/collateral/add/", views.bo_add_collateral, name="add_collateral"),
    path("<int:pk>/decide/", views.bo_decide, name="decide"),
    path("<int:pk>/perfection/", views.bo_perfection, name="perfection"),
    path("<int:pk>/draw/", views.bo_draw, name="draw"),
    path("<int:pk>/repayment/", views.bo_repayment, name="repayment"),
    path("<int:pk>/report/", views.bo_report, name="report"),
    path("<int:pk>/default/", views.bo_default, name="default"),
    path("<int:pk>/guarantor/", views.bo_guarantor_payment, name="guarantor"),
    path("<int:pk>/deposit/", views.bo_apply_deposit, name="apply_deposit"),
    path("<int:pk>/guarantee-fee/", views.bo_remit_fee, name="remit_fee"),
    path("<int:pk>/write-off/", views.bo_write_off_propose, name="write_off"),
    path("<int:pk>/write-off/approve/", views.bo_write_off_approve, name="write_off_approve"),
    path("reports/<int:pk>/pdf/", views.bo_report_pdf, name="report_pdf"),
    path("reports/<int:pk>/csv/", views.bo_report_csv, name="report_csv"),
]
