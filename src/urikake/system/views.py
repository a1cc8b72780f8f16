from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from urikake.accounts.access import public
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
