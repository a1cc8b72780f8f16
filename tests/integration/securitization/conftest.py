import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret


def _staff(django_user_model, email: str, role: str):
    user = django_user_model.objects.create_user(
        email=email, password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def structuring_staff(django_user_model):
    return _staff(django_user_model, "structuring@staff.example", "structuring")


@pytest.fixture
def treasury_staff(django_user_model):
    return _staff(django_user_model, "treasury@staff.example", "treasury")
