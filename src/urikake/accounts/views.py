from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from urikake.accounts.access import authenticated, public


@public
def login_help(request: HttpRequest) -> HttpResponse:
    """「ログインできないときは」: the checklist of seed 003."""
    return render(request, "accounts/login_help.html")


@authenticated
def security(request: HttpRequest) -> HttpResponse:
    """The user's security settings: password, e-mail, MFA, sessions."""
    return render(request, "accounts/security.html")
