from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from urikake.accounts.access import public, staff, webhook
from urikake.accounts.roles import Capability
from urikake.system import metrics, sample_files
from urikake.system.health import health, readiness
from urikake.system.metrics_access import may_scrape


@public
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness in one: 200 while the database answers, 503 when it does not."""
    report, serving = health()
    return JsonResponse(
        report, status=200 if serving else 503, json_dumps_params={"ensure_ascii": False}
    )


@public
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when database, migrations and cache table are ready, else 503."""
    report, ready = readiness()
    return JsonResponse(
        report, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False}
    )


@webhook  # a machine endpoint: the view checks the scraper before answering anything
@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition; only for an allow-listed address or the bearer token
    (404 otherwise, so the endpoint is not advertised). docs/operations.md, "Metrics"."""
    if not may_scrape(request):
        raise Http404
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


def _sample_response(name: str) -> HttpResponse:
    if settings.PRODUCTION:
        raise Http404  # samples belong to the demo, never to a live installation
    response = HttpResponse(
        sample_files.build(name, timezone.localdate()), content_type=sample_files.MIME[name]
    )
    response["Content-Disposition"] = f'attachment; filename="urikake-sample-{name}"'
    return response


@public
@require_GET
def sample(request: HttpRequest, name: str) -> HttpResponse:
    """A sample file for the demo applicant (invoice PDF, JP PINT XML, bank CSV), made for
    today; fictitious data only (urikake.system.sample_files)."""
    if name not in sample_files.APPLICANT_FILES:
        raise Http404
    return _sample_response(name)


@staff(Capability.MANAGE_TREASURY)
@require_GET
@never_cache
def backoffice_sample(request: HttpRequest, name: str) -> HttpResponse:
    """The 全銀 collection statement in which the demo's open items are paid (treasury)."""
    if name not in sample_files.BACKOFFICE_FILES:
        raise Http404
    return _sample_response(name)
