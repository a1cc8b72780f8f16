from django.urls import path

from urikake.applicants import views

app_name = "applicants"
urlpatterns = [
    # Public: legal texts, e-mail-first sign-up, invitation links.
    path("terms/", views.terms_page, name="terms"),
    path("privacy/", views.privacy_page, name="privacy"),
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="signup_verify"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/accept/", views.invitation_accept, name="invitation_accept"),
    # Onboarding wizard (each step is also where its data is edited later).
    path("onboarding/", views.onboarding, name="onboarding"),
    path("onboarding/profile/", views.onboarding_profile, name="onboarding_profile"),
    path("onboarding/phone/", views.onboarding_phone, name="onboarding_phone"),
    path("onboarding/payout/", views.onboarding_payout, name="onboarding_payout"),
    path(
        "onboarding/notifications/",
        views.onboarding_notifications,
        name="onboarding_notifications",
    ),
    path("onboarding/consent/", views.consent, name="consent"),
    # My page.
    path("my/", views.home, name="home"),
    path("my/payout/change/", views.payout_change, name="payout_change"),
    path("my/members/", views.members, name="members"),
    path("my/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path(
        "my/members/invitations/<int:pk>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
