"""Back-office pages of the ledger app (mounted at /backoffice/ledger/)."""

from django.urls import path

from urikake.ledger import backoffice_views

app_name = "ledger_backoffice"
# Account codes and entry ids contain ':' and may contain '/', hence the path converter.
urlpatterns = [
    path("", backoffice_views.trial_balance, name="trial_balance"),
    path("accounts/", backoffice_views.accounts, name="accounts"),
    path("funding/", backoffice_views.funding, name="funding"),
    path("accounts/<path:code>/", backoffice_views.statement, name="statement"),
    path("entries/<path:entry_id>/", backoffice_views.entry_detail, name="entry"),
]
