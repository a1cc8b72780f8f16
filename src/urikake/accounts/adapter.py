"""django-allauth adapter: our hooks into login, signup and redirects."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from allauth.mfa.utils import is_mfa_enabled
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from urikake.accounts import auth_events, lockout
from urikake.accounts.services import language_of
from urikake.mail import services as mail

# One message for every refusal before the password is checked — a growing delay, a lock, or
# allauth's own rate limit — for registered and unknown addresses alike.
THROTTLED_MESSAGE = _(
    "ログインの失敗が続いたため、一時的にログインを制限しています。"
    "しばらく待ってからもう一度お試しいただくか、パスワードを再設定してください。"
)


def _login_email(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": THROTTLED_MESSAGE,
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Sign-up is our own e-mail-first flow (applicants:signup); /accounts/signup/
        # redirects there (urikake.accounts.urls).
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Refuse throttled attempts before any password is looked at.

        Our throttle is asked first, so attempts it refuses do not also use up allauth's own
        per-IP/per-address budget (``ACCOUNT_RATE_LIMITS["login_failed"]``), which then
        counts only attempts that reached a password check.
        """
        email = _login_email(credentials)
        if lockout.is_refused(email):
            auth_events.login_refused(request, email, reason="throttled")
            raise self.validation_error("too_many_login_attempts")
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            auth_events.login_refused(request, email, reason="rate_limited")
            raise

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        auth_events.login_failed(request, _login_email(credentials))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's mails (address confirmation, password reset, notifications) are rendered
        by allauth as usual and delivered like every other mail: after commit, in the
        background, retried (urikake.mail) — an unreachable mail server fails no request."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        # In the language the recipient reads the site in (a password reset asked for from a
        # browser in another language still reaches an English reader in English).
        with translation.override(self._language_for(email, context)):
            message = self.render_mail(template_prefix, email, ctx)
        mail.send_message(message, template=template_prefix)

    @staticmethod
    def _language_for(email: str, context: dict[str, Any]) -> str:
        user = context.get("user")
        if user is None:
            address = EmailAddress.objects.filter(email__iexact=email).select_related("user")
            user = next((a.user for a in address[:1]), None)
        if user is None:  # nobody with that address: the language of the request
            return translation.get_language() or "ja"
        return language_of(user)

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # Staff have no マイページ; LOGIN_REDIRECT_URL is the applicants' home.
        if request.user.is_authenticated and request.user.is_staff:
            return reverse("backoffice:home")
        return str(super().get_login_redirect_url(request))

    def post_login(self, request: HttpRequest, user: Any, **kwargs: Any) -> HttpResponse:
        """After an applicant logs in without MFA, show the MFA prompt once per session.

        The response object is kept (only its target changes): the login signal has already
        put the device cookie on it.
        """
        response: HttpResponse = super().post_login(request, user, **kwargs)
        if (
            isinstance(response, HttpResponseRedirect)
            and not user.is_staff
            and not request.session.get(auth_events.SESSION_MFA_PROMPTED)
            and not is_mfa_enabled(user, types=["totp", "webauthn"])
        ):
            request.session[auth_events.SESSION_MFA_PROMPTED] = True
            response["Location"] = (
                reverse("accounts:mfa_prompt") + "?" + urlencode({"next": response["Location"]})
            )
        return response
