from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from urikake.accounts.access import applicant, current_organization, public


@applicant
def home(request: HttpRequest) -> HttpResponse:
    """マイページ: the applicant's dashboard."""
    return render(request, "applicants/home.html", {"organization": current_organization(request)})


@applicant(require_organization=False)
def onboarding(request: HttpRequest) -> HttpResponse:
    return render(request, "applicants/onboarding.html")


@public
def signup(request: HttpRequest) -> HttpResponse:
    return render(request, "applicants/onboarding.html")
