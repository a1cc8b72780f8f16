"""The demo book: the structuring demo login exists and a pool can be built from the demo's
positions (the treasury demo's funded, perfected deal) and analysed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.utils import timezone

from urikake.accounts.models import User
from urikake.securitization import services
from urikake.securitization.analysis import analyse_pool
from urikake.servicing.models import Position
from urikake.system.demo import load_demo_data

pytestmark = pytest.mark.django_db


def test_a_pool_from_the_demo_positions():
    load_demo_data()
    structuring = User.objects.get(email="structuring@demo.urikake.example")
    assert structuring.staff_role == "structuring"
    open_positions = Position.objects.filter(status="open")
    assert open_positions.exists()
    pool = services.build_pool(
        name="デモプール",
        cut_off=timezone.localdate(),
        method="specific",
        allowed_products=sorted({p.product for p in open_positions}),
        concentration_limit=Decimal(1),
        acting_user=structuring,
    )
    assert pool.items.count() == open_positions.count()
    analysis = analyse_pool(pool)
    assert 0 < analysis.expected_loss < 1
    TOTP.activate(structuring, generate_totp_secret())  # staff must enrol a second factor
    client = Client()
    client.force_login(structuring)
    assert client.get(f"/backoffice/securitization/{pool.pk}/").status_code == 200
