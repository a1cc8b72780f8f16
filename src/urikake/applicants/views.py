"""Pages of the applicants app: sign-up, onboarding, my page, members.

Views read, validate with forms and call :mod:`urikake.applicants.services`; they never change
rows themselves. Each carries exactly one access rule (``urikake.accounts.access``). Changes
to the organisation (profile, phone, payout account, notifications, members) are for its
owners; members see the same pages read-only.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlencode

from allauth.account.decorators import reauthentication_required
from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from urikake.accounts.access import authenticated, public
from urikake.accounts.models import User
from urikake.applicants import services, terms
from urikake.applicants.access import (
    applicant,
    current_membership,
    current_organization,
    owned_or_404,
)
from urikake.applicants.forms import (
    BankSearchForm,
    BranchSearchForm,
    ConsentForm,
    InvitationSignupForm,
    InviteForm,
    KindForm,
    NotificationSettingsForm,
    PayoutAccountForm,
    PhoneForm,
    SetPasswordForm,
    SignupForm,
    format_phone_national,
    profile_form_class,
)
from urikake.applicants.models import (
    Invitation,
    Membership,
    NotificationSettings,
    Organization,
)
from urikake.applicants.onboarding import first_missing, kyc_item, onboarding_steps
from urikake.domain.bank_codes import find_bank, find_branch, search_banks, search_branches
from urikake.domain.errors import DomainError

LOGIN_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR as Django sees it; behind a proxy the deployment must set it from a trusted
    # X-Forwarded-For (we never read that header ourselves: anyone can send it).
    addr = request.META.get("REMOTE_ADDR", "")
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        return None
    return str(addr)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by the access decorators
    return user


def _organization(request: HttpRequest) -> Organization:
    org = current_organization(request)
    assert org is not None  # guaranteed by @applicant (require_organization=True)
    return org


def _require_owner(request: HttpRequest, org: Organization) -> None:
    if not services.is_owner(request.user, org):
        raise PermissionDenied("only the organisation's owners may change this")


def _steps_context(request: HttpRequest, current: str) -> dict[str, Any]:
    org = current_organization(request)
    steps = onboarding_steps(org, request.user)
    return {
        "steps": steps,
        "current_step": current,
        "onboarding_complete": first_missing(steps) is None,
        "organization": org,
        "can_edit": org is None or services.is_owner(request.user, org),
    }


def _after_step(request: HttpRequest) -> HttpResponse:
    messages.success(request, _("保存しました"))
    return redirect("applicants:onboarding")


def _link_invalid(request: HttpRequest, exc: DomainError, *, kind: str) -> HttpResponse:
    # 404 for a link we never issued, 410 for one that was ours but is spent or expired.
    status = 404 if exc.code.endswith(".unknown") else 410
    return render(
        request, "applicants/link_invalid.html", {"error": exc, "kind": kind}, status=status
    )


def _terms_context() -> dict[str, Any]:
    return {
        "terms_doc": terms.current_version(terms.Document.TERMS),
        "privacy_doc": terms.current_version(terms.Document.PRIVACY),
    }


# ---------------------------------------------------------------------------------------
# Public pages: legal documents, sign-up
# ---------------------------------------------------------------------------------------


@public
def terms_page(request: HttpRequest) -> HttpResponse:
    doc = terms.current_version(terms.Document.TERMS)
    return render(request, doc.template, {"doc": doc})


@public
def privacy_page(request: HttpRequest) -> HttpResponse:
    doc = terms.current_version(terms.Document.PRIVACY)
    return render(request, doc.template, {"doc": doc})


@public
def signup(request: HttpRequest) -> HttpResponse:
    """E-mail first: ask only for the address and the two agreements, then mail a link."""
    if request.user.is_authenticated:
        return redirect("applicants:home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Per-IP limit (ACCOUNT_RATE_LIMITS["signup"]): each request sends a mail.
        if not ratelimit.consume(request, action="signup"):
            return render(request, "applicants/rate_limited.html", status=429)
        try:
            services.start_signup(
                form.cleaned_data["email"],
                ip=_client_ip(request),
                terms_version=form.cleaned_data["terms_version"],
                privacy_version=form.cleaned_data["privacy_version"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message_for(get_language()))
        else:
            return redirect("applicants:signup_sent")
    return render(request, "applicants/signup.html", {"form": form, **_terms_context()})


@public
def signup_sent(request: HttpRequest) -> HttpResponse:
    """The one answer to every sign-up request, registered address or not."""
    return render(request, "applicants/signup_sent.html")


@public
@never_cache
def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """The mailed link: choose a password; on success the account exists and is logged in.

    GET never uses the link up (mail scanners open links); only a valid POST does.
    """
    try:
        pending = services.check_signup_token(token)
    except DomainError as exc:
        return _link_invalid(request, exc, kind="signup")
    form = SetPasswordForm(request.POST or None, email=pending.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.complete_signup(
                token, password=form.cleaned_data["password1"], language=get_language()
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        except DomainError as exc:
            if exc.code.startswith("signup_token."):
                return _link_invalid(request, exc, kind="signup")
            form.add_error(None, exc.message_for(get_language()))
        else:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(
                request, _("アカウントを作成しました。続けて事業者情報を登録してください")
            )
            return redirect("applicants:onboarding")
    return render(request, "applicants/signup_verify.html", {"form": form, "email": pending.email})


# ---------------------------------------------------------------------------------------
# Invitations (the invitee's side)
# ---------------------------------------------------------------------------------------


@public
@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: accept (logged in), log in first, or sign up right here.

    The link proves the invited address, so signing up through it needs no second mail.
    """
    try:
        inv = services.check_invitation(token)
    except DomainError as exc:
        return _link_invalid(request, exc, kind="invitation")
    context: dict[str, Any] = {"invitation": inv, "token": token, **_terms_context()}
    if request.user.is_authenticated:
        context["matches"] = EmailAddress.objects.filter(
            user=request.user, email__iexact=inv.email, verified=True
        ).exists()
        return render(request, "applicants/invitation.html", context)
    if User.objects.filter(email__iexact=inv.email).exists():
        next_query = urlencode({"next": request.path})
        context["login_url"] = f"{reverse('account_login')}?{next_query}"
        return render(request, "applicants/invitation.html", context)
    form = InvitationSignupForm(request.POST or None, email=inv.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation_with_signup(
                token,
                password=form.cleaned_data["password1"],
                ip=_client_ip(request),
                terms_version=form.cleaned_data["terms_version"],
                privacy_version=form.cleaned_data["privacy_version"],
                language=get_language(),
            )
        except ValidationError as exc:
            form.add_error("password1", exc)
        except DomainError as exc:
            if exc.code.startswith("invitation."):
                return _link_invalid(request, exc, kind="invitation")
            form.add_error(None, exc.message_for(get_language()))
        else:
            login(request, user, backend=LOGIN_BACKEND)
            messages.success(request, _("%(name)sに参加しました") % {"name": inv.organization.name})
            return redirect("applicants:home")
    context["form"] = form
    return render(request, "applicants/invitation.html", context)


@authenticated
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("applicants:invitation", token=token)
    try:
        membership = services.accept_invitation(token, acting_user=_user(request))
    except DomainError as exc:
        messages.error(request, exc.message_for(get_language()))
        return redirect("applicants:invitation", token=token)
    messages.success(request, _("%(name)sに参加しました") % {"name": membership.organization.name})
    return redirect("applicants:home")


# ---------------------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------------------


@applicant(require_organization=False)
def consent(request: HttpRequest) -> HttpResponse:
    """Agree to the current texts (onboarding step, or again after a revision); or withdraw."""
    user = _user(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = ConsentForm(request.POST if request.POST.get("action") == "give" else None)
    if request.method == "POST":
        if request.POST.get("action") == "withdraw":
            try:
                services.withdraw_consent(acting_user=user, ip=_client_ip(request))
            except DomainError as exc:
                messages.error(request, exc.message_for(get_language()))
            else:
                messages.warning(
                    request,
                    _("同意を撤回しました。サービスを利用するには、再度同意が必要です"),
                )
            return redirect("applicants:consent")
        if form.is_valid():
            try:
                services.give_consent(
                    acting_user=user,
                    ip=_client_ip(request),
                    terms_version=form.cleaned_data["terms_version"],
                    privacy_version=form.cleaned_data["privacy_version"],
                )
            except DomainError as exc:
                form = ConsentForm()  # re-show with the versions now current
                messages.error(request, exc.message_for(get_language()))
            else:
                messages.success(request, _("同意を記録しました"))
                return redirect(next_url or "applicants:onboarding")
    state = services.consent_state(user)
    context = {
        **_steps_context(request, "consent"),
        **_terms_context(),
        "form": form,
        "next": next_url,
        "state": state,
        "has_current": services.has_current_consent(user),
        "previously_given": any(row is not None for row in state.values()),
    }
    return render(request, "applicants/consent.html", context)


# ---------------------------------------------------------------------------------------
# Onboarding
# ---------------------------------------------------------------------------------------


@applicant(require_organization=False)
def onboarding(request: HttpRequest) -> HttpResponse:
    """Send the user to the first step still missing (or to my page when all are done)."""
    missing = first_missing(onboarding_steps(current_organization(request), request.user))
    return redirect(missing.url_name if missing else "applicants:home")


@applicant(require_organization=False)
def onboarding_profile(request: HttpRequest) -> HttpResponse:
    """Step 1: corporation or sole proprietor, then its details (creates the organisation)."""
    org = current_organization(request)
    context = _steps_context(request, "profile")
    if request.method == "POST":
        kind = request.POST.get("kind", "")
    elif "kind" in request.GET:  # chosen on the first page, or "?kind=" to choose again
        kind = request.GET["kind"]
    else:
        kind = org.kind if org else ""
    if kind not in Organization.Kind.values:
        # First choose the form of business; without JS this is its own small form (GET).
        context["kind_form"] = KindForm(
            request.GET if request.GET.get("kind") else None,
            initial={"kind": org.kind if org else None},
        )
        return render(request, "applicants/onboarding/profile_kind.html", context)
    form_class = profile_form_class(kind)
    if request.method == "POST":
        if not context["can_edit"]:
            raise PermissionDenied("only owners edit the profile")
        form = form_class(request.POST)
        if form.is_valid():
            try:
                services.save_profile(org, form.profile_data(), acting_user=_user(request))
            except DomainError as exc:
                form.add_error(None, exc.message_for(get_language()))
            else:
                return _after_step(request)
    else:
        initial = form_class.initial_from(org) if org and org.kind == kind else None
        form = form_class(initial=initial)
    context.update({"form": form, "kind": kind, "kind_label": Organization.Kind(kind).label})
    return render(request, "applicants/onboarding/profile.html", context)


@applicant
def onboarding_phone(request: HttpRequest) -> HttpResponse:
    """Step 2: the 携帯電話番号 (stored E.164)."""
    org = _organization(request)
    context = _steps_context(request, "phone")
    if request.method == "POST":
        _require_owner(request, org)
        form = PhoneForm(request.POST)
        if form.is_valid():
            services.set_contact_phone(org, form.cleaned_data["phone"], acting_user=_user(request))
            return _after_step(request)
    else:
        form = PhoneForm(initial={"phone": format_phone_national(org.contact_phone)})
    context["form"] = form
    return render(request, "applicants/onboarding/phone.html", context)


def _payout_flow(request: HttpRequest, org: Organization, *, action_url: str) -> HttpResponse:
    """Bank → branch → account details → confirmation; every stage works without JS.

    The bank and branch travel as ``?bank=0001&branch=001`` (links from the search results,
    or a code typed into the search box); the details form posts them back as hidden fields.
    """
    context = _steps_context(request, "payout")
    context.update({"action_url": action_url, "organization": org})
    bank_code = request.POST.get("bank_code") or request.GET.get("bank", "")
    branch_code = request.POST.get("branch_code") or request.GET.get("branch", "")
    bank = find_bank(bank_code) if bank_code else None
    branch = find_branch(bank.code, branch_code) if bank and branch_code else None
    context.update({"bank": bank, "branch": branch})
    if bank is None:
        search = BankSearchForm(request.GET if "bank_q" in request.GET else None)
        context["bank_search"] = search
        if search.is_valid():
            context["bank_results"] = search_banks(search.cleaned_data["bank_q"], limit=20)
            context["searched"] = True
        return render(request, "applicants/onboarding/payout.html", context)
    if branch is None:
        branch_search = BranchSearchForm(request.GET if "branch_q" in request.GET else None)
        context["branch_search"] = branch_search
        if branch_search.is_valid():
            context["branch_results"] = search_branches(
                bank.code, branch_search.cleaned_data["branch_q"], limit=50
            )
            context["searched"] = True
        return render(request, "applicants/onboarding/payout.html", context)
    if request.method == "POST":
        _require_owner(request, org)
        form = PayoutAccountForm(request.POST, organization=org)
        if form.is_valid() and form.draft is not None:
            if form.cleaned_data["confirmed"] and "edit" not in request.POST:
                services.save_payout_account(org, form.draft, acting_user=_user(request))
                return _after_step(request)
            if "edit" not in request.POST:
                context.update({"form": form, "draft": form.draft})
                return render(request, "applicants/onboarding/payout_confirm.html", context)
    else:
        initial = {"bank_code": bank.code, "branch_code": branch.code}
        if org.is_corporation:
            # Most corporate accounts are in the company's name: start from its reading.
            initial["holder_name"] = org.name_kana
        form = PayoutAccountForm(initial=initial, organization=org)
    context["form"] = form
    return render(request, "applicants/onboarding/payout.html", context)


@applicant
def onboarding_payout(request: HttpRequest) -> HttpResponse:
    """Step 3: the payout account. Once one exists this page shows it; changing it is
    :func:`payout_change` (re-authentication required)."""
    org = _organization(request)
    account = services.current_payout_account(org)
    if account is not None:
        context = _steps_context(request, "payout")
        context["account"] = account
        return render(request, "applicants/onboarding/payout_current.html", context)
    return _payout_flow(request, org, action_url=reverse("applicants:onboarding_payout"))


@reauthentication_required
def _payout_change(request: HttpRequest, org: Organization) -> HttpResponse:
    if services.current_payout_account(org) is None:
        return redirect("applicants:onboarding_payout")
    return _payout_flow(request, org, action_url=reverse("applicants:payout_change"))


@applicant
def payout_change(request: HttpRequest) -> HttpResponse:
    """Change the payout account: only within a few minutes of re-entering the password.

    allauth redirects to its re-authentication page and back. A POST that arrives after the
    window closed is not replayed: allauth would keep the POST (with the account number) in
    the session to replay it, so we send the user back to the form instead.
    """
    org = _organization(request)
    _require_owner(request, org)
    try:
        response: HttpResponse = _payout_change(request, org)
    except ReauthenticationRequired:
        if request.method == "GET":
            raise  # allauth's middleware redirects to re-authentication and back
        messages.warning(request, _("安全のため、もう一度パスワードを入力してください"))
        return redirect("applicants:payout_change")
    return response


@applicant
def onboarding_notifications(request: HttpRequest) -> HttpResponse:
    """Step 4: which notices go out by e-mail, and important ones by SMS."""
    org = _organization(request)
    context = _steps_context(request, "notifications")
    existing = NotificationSettings.objects.filter(organization=org).first()
    model_defaults = NotificationSettings()
    initial = {
        name: getattr(existing or model_defaults, name) for name in services.NOTIFICATION_FIELDS
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial, organization=org)
    if request.method == "POST":
        _require_owner(request, org)
        if form.is_valid():
            try:
                services.save_notification_settings(org, form.choices(), acting_user=_user(request))
            except DomainError as exc:
                form.add_error(
                    exc.field if exc.field in form.fields else None, exc.message_for(get_language())
                )
            else:
                return _after_step(request)
    context.update({"form": form, "saved": existing is not None})
    return render(request, "applicants/onboarding/notifications.html", context)


# ---------------------------------------------------------------------------------------
# My page and members
# ---------------------------------------------------------------------------------------


@applicant
def home(request: HttpRequest) -> HttpResponse:
    """マイページ: the organisation at a glance and what is left to do."""
    org = _organization(request)
    payout = services.current_payout_account(org)
    steps = onboarding_steps(
        org,
        request.user,
        payout=payout,
        consented=getattr(request, "urikake_consent_current", None),
    )
    context = {
        "organization": org,
        "steps": steps,
        "onboarding_complete": first_missing(steps) is None,
        "kyc": kyc_item(org),
        "payout": payout,
        "phone": format_phone_national(org.contact_phone),
        "membership": current_membership(request),
    }
    return render(request, "applicants/home.html", context)


@applicant
def members(request: HttpRequest) -> HttpResponse:
    """Members of the organisation; owners invite and remove here."""
    org = _organization(request)
    owner = services.is_owner(request.user, org)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        if not owner:
            raise PermissionDenied("members cannot invite")
        if form.is_valid():
            try:
                services.invite_member(org, form.cleaned_data["email"], acting_user=_user(request))
            except DomainError as exc:
                form.add_error(
                    "email" if exc.field == "email" else None, exc.message_for(get_language())
                )
            else:
                messages.success(request, _("招待メールを送信しました"))
                return redirect("applicants:members")
    context = {
        "organization": org,
        "is_owner": owner,
        "form": form,
        "memberships": Membership.objects.filter(organization=org, is_active=True)
        .select_related("user")
        .order_by("created_at"),
        "invitations": services.pending_invitations(org) if owner else [],
    }
    return render(request, "applicants/members.html", context)


@applicant(owned_kwarg="pk", owned_object="membership")
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: remove the member (owners only)."""
    membership = owned_or_404(
        request, Membership.objects.select_related("user", "organization"), pk=pk, is_active=True
    )
    _require_owner(request, membership.organization)
    if request.method == "POST":
        try:
            services.remove_member(membership, acting_user=_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
        else:
            messages.success(request, _("メンバーを削除しました"))
            if membership.user_id == request.user.pk:
                return redirect("applicants:onboarding")
        return redirect("applicants:members")
    return render(request, "applicants/member_remove.html", {"membership": membership})


@applicant(owned_kwarg="pk", owned_object="invitation")
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: revoke an open invitation (owners only)."""
    inv = owned_or_404(request, Invitation.objects.select_related("organization"), pk=pk)
    _require_owner(request, inv.organization)
    if request.method == "POST":
        try:
            services.revoke_invitation(inv, acting_user=_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
        else:
            messages.success(request, _("招待を取り消しました"))
        return redirect("applicants:members")
    return render(request, "applicants/invitation_revoke.html", {"invitation": inv})
