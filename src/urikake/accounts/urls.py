"""Our account pages, included before ``allauth.urls`` under the same ``accounts/`` prefix.

Two patterns deliberately shadow allauth's (the first match wins; ``reverse()`` of allauth's
names still gives the same paths): ``signup/`` sends visitors to our own e-mail-first sign-up
and ``sessions/`` is our session list (revoke one or all others, audited).
"""

from django.urls import path

from urikake.accounts import views

app_name = "accounts"
urlpatterns = [
    path("help/", views.login_help, name="login_help"),
    path("security/", views.security, name="security"),
    path("mfa-prompt/", views.mfa_prompt, name="mfa_prompt"),
    path("sessions/", views.sessions, name="sessions"),
    path("signup/", views.signup_redirect, name="signup"),
]
