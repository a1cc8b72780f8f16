"""Back-office pages of the treasury (/backoffice/treasury/)."""

from django.urls import path

from urikake.treasury import backoffice_views as views

app_name = "treasury_backoffice"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("deals/", views.perfections, name="perfections"),
    path("deals/<int:pk>/", views.deal, name="deal"),
    path("deals/<int:pk>/fund/", views.fund, name="fund"),
    path("deals/<int:pk>/filing.xml", views.filing_data, name="filing_data"),
    path("payouts/", views.payout_list, name="payouts"),
    path("payouts/<int:pk>/retry/", views.payout_retry, name="payout_retry"),
    path("payouts/returns/", views.returns, name="returns"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("batches/<int:pk>/approve/", views.batch_approve, name="batch_approve"),
    path("batches/<int:pk>/file", views.batch_file, name="batch_file"),
    path("batches/<int:pk>/sent/", views.batch_sent, name="batch_sent"),
    path("deposits/", views.deposits, name="deposits"),
    path("deposits/<int:pk>/", views.deposit, name="deposit"),
    path("deposits/reconcile/", views.reconcile, name="reconcile"),
    path("deposits/pull/", views.pull, name="pull"),
    path("deposits/imports/<int:pk>/", views.statement_import, name="statement_import"),
    path("tie-out/", views.tie_out, name="tie_out"),
]
