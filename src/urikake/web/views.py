from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from urikake.accounts.access import public


@public
@require_GET
def top(request: HttpRequest) -> HttpResponse:
    """The public top page: what the service is, in a few lines."""
    return render(request, "web/top.html")
