import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret


@pytest.fixture
def treasury_staff(django_user_model):
    user = django_user_model.objects.create_user(
        email="treasury@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user
