"""The public pages: top (products and terms from the live plans), company, FAQ, contact."""

from __future__ import annotations

from allauth.core import ratelimit
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from urikake.accounts.access import public
from urikake.accounts.auth_events import client_ip
from urikake.applicants import terms
from urikake.web import services
from urikake.web.forms import ContactForm
from urikake.web.public import operator, product_offers


@public
@require_GET
def top(request: HttpRequest) -> HttpResponse:
    """The public top page: the products with the fees, limits and speed of the live plans."""
    return render(
        request,
        "web/top.html",
        {
            "offers": product_offers(),
            "operator": operator(),
            "today": timezone.localdate(),
            "terms_doc": terms.current_version(terms.Document.TERMS),
        },
    )


@public
@require_GET
def company(request: HttpRequest) -> HttpResponse:
    """運営会社: the operator's identifiers, from settings."""
    return render(request, "web/company.html", {"operator": operator()})


@public
@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    return render(request, "web/faq.html", {"offers": product_offers(), "operator": operator()})


@public
@never_cache  # a form with what the visitor typed in it
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """A message to the operator: validated, rate-limited per address and IP, audited."""
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request) or None
        if not ratelimit.consume(request, action="contact", key=form.cleaned_data["email"]):
            services.record_contact_refused(acting_user=request.user, ip=ip, reason="rate_limit")
            return render(request, "web/contact_limited.html", status=429)
        services.send_contact(
            services.ContactMessage(
                name=form.cleaned_data["name"],
                company=form.cleaned_data["company"],
                email=form.cleaned_data["email"],
                topic=form.cleaned_data["topic"],
                topic_label=form.topic_label(),
                message=form.cleaned_data["message"],
            ),
            acting_user=request.user,
            ip=ip,
        )
        return redirect("web:contact_sent")
    return render(
        request,
        "web/contact.html",
        {"form": form, "operator": operator()},
        status=422 if form.errors else 200,
    )


@public
@require_GET
def contact_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/contact_sent.html", {"operator": operator()})
