"""Top-level URL configuration: each app owns its own ``urls.py``.

Every view must carry an access rule (``urikake.accounts.access``); the authorization-matrix
test walks these patterns and fails on any route without one.
"""

from django.contrib import admin
from django.urls import include, path

from urikake.accounts import views as account_views
from urikake.api import api
from urikake.system import views as system_views
from urikake.web.url_resolve import remembering

# One resolver around them all remembers which view each path goes to (urikake.web.url_resolve)
urlpatterns = remembering(
    [
        path("", include("urikake.web.urls")),
        path("", include("urikake.applicants.urls")),
        path("my/kyc/", include("urikake.kyc.urls")),
        path("my/notifications/", include("urikake.notifications.urls")),
        path("my/", include("urikake.receivables.urls")),
        path("my/bank/", include("urikake.receivables.bank_urls")),
        path("my/contracts/", include("urikake.contracts.urls")),
        path("my/treasury/", include("urikake.servicing.urls")),
        path("my/loans/", include("urikake.lending.urls")),
        path("my/guarantees/", include("urikake.guarantees.urls")),
        path("my/bulk/", include("urikake.bulk.urls")),
        path("backoffice/kyc/", include("urikake.kyc.backoffice_urls")),
        path("backoffice/screening/", include("urikake.receivables.backoffice_urls")),
        path("backoffice/ledger/", include("urikake.ledger.backoffice_urls")),
        path("backoffice/contracts/", include("urikake.contracts.backoffice_urls")),
        path("backoffice/treasury/overdue/", include("urikake.servicing.backoffice_urls")),
        path("backoffice/treasury/", include("urikake.treasury.backoffice_urls")),
        path("backoffice/plans/", include("urikake.plans.backoffice_urls")),
        path("backoffice/connections/", include("urikake.connections.urls")),
        path("backoffice/notifications/", include("urikake.notifications.backoffice_urls")),
        path("backoffice/securitization/", include("urikake.securitization.backoffice_urls")),
        path("backoffice/lending/", include("urikake.lending.backoffice_urls")),
        path("backoffice/guarantees/", include("urikake.guarantees.backoffice_urls")),
        path("backoffice/bulk/", include("urikake.bulk.backoffice_urls")),
        path("backoffice/", include("urikake.backoffice.urls")),
        path("webhooks/", include("urikake.kyc.webhook_urls")),
        path("healthz", system_views.healthz, name="healthz"),
        path("readyz", system_views.readyz, name="readyz"),
        path("metrics", system_views.metrics_view, name="metrics"),
        path("samples/", include("urikake.system.sample_urls")),
        path("api/", api.urls),
        path("accounts/", include("urikake.accounts.urls")),
        path("accounts/", include("allauth.urls")),
        # Django's set_language, which also remembers a logged-in user's choice (mail, SMS).
        path("i18n/setlang/", account_views.set_language, name="set_language"),
        path("admin/", admin.site.urls),
    ]
)

# allauth's own rate limits (ACCOUNT_RATE_LIMITS) answer through this handler.
handler429 = account_views.rate_limited

# The site's own error pages (Japanese, English in English mode): urikake.web.errors.
handler400 = "urikake.web.errors.bad_request"
handler403 = "urikake.web.errors.permission_denied"
handler404 = "urikake.web.errors.page_not_found"
handler500 = "urikake.web.errors.server_error"
