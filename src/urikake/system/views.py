from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from urikake.accounts.access import public, staff
from urikake.accounts.roles import Capability
from urikake.system import sample_files
from urikake.system.health import health


@public
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness in one: 200 while the database answers, 503 when it does not."""
    report, serving = health()
    return JsonResponse(
        report, status=200 if serving else 503, json_dumps_params={"ensure_ascii": False}
    )


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
