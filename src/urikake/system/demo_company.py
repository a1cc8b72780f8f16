"""A demo company with its owner: the first steps every demo client takes the same way.

The treasury demo's client, the vendor-referred client and the bulk-factoring buyer all start
as a verified e-mail login that accepted the terms in force and saved its company profile;
what each does next differs (see ``demo_treasury``, ``demo_vendors``, ``demo_products``).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress

from urikake.accounts.models import User
from urikake.applicants import services as applicants
from urikake.applicants import terms
from urikake.applicants.models import Organization


def create_demo_company(
    email: str, password: str, profile: applicants.ProfileData, *, password_hash: str = ""
) -> tuple[User, Organization]:
    """The owner (verified address, consent to the terms in force) and its organisation.

    ``password_hash``: the password already hashed (``make_password``), for many logins
    sharing one password — the production hasher (Argon2) takes 0.1–0.5 s a hash.
    """
    user = User.objects.create_user(email=email, password=None if password_hash else password)
    if password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    versions = terms.current_versions()
    applicants.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    org = applicants.save_profile(None, profile, acting_user=user)
    return user, org
