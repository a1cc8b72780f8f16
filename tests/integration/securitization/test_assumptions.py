"""The credit assumptions (PD per grade, LGD, recovery lag, trigger) are operator settings:
versioned, effective-dated, bounded with Japanese errors, audited, edited by the structuring
role on a back-office page; a pool records the version in force at its cut-off and its
analysis uses that version even after the settings change."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.integration.treasury.helpers import funded_deal
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.domain.securitization import assumptions as rules
from urikake.securitization import assumptions, services
from urikake.securitization.analysis import terms_of
from urikake.securitization.models import AssumptionSet
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db

URL = "/backoffice/securitization/assumptions/"


def _form(**over: object) -> dict[str, object]:
    data: dict[str, object] = {
        "effective_from": timezone.localdate().isoformat(),
        "pd_a": "1",
        "pd_b": "2",
        "pd_c": "3",
        "pd_d": "5",
        "pd_e": "10",
        "lgd": "45",
        "recovery_lag": "4",
        "trigger": "7.5",
    }
    data.update(over)
    return data


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_defaults_are_version_one():
    row = assumptions.in_force(timezone.localdate())
    assert row is not None
    assert row.version == 1
    assert assumptions.as_domain(row) == rules.DEFAULT


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("pd_c", "100.5", "securitization.pd_out_of_range"),
        ("pd_a", "-1", "securitization.pd_out_of_range"),
        ("lgd", "101", "securitization.lgd_out_of_range"),
        ("recovery_lag", "37", "securitization.lag_out_of_range"),
        ("trigger", "0", "securitization.trigger_out_of_range"),
        ("trigger", "100.01", "securitization.trigger_out_of_range"),
    ],
)
def test_out_of_bounds_is_refused_in_japanese_and_nothing_changes(
    structuring_staff, field, value, code
):
    client = _client(structuring_staff)
    response = client.post(URL, _form(**{field: value}))
    assert response.status_code == 200
    text = response.content.decode()
    assert "で指定してください" in text
    assert AssumptionSet.objects.count() == 1
    assert not AuditRecord.objects.filter(action="securitization.assumptions_set").exists()
    with pytest.raises(DomainError) as exc:
        d = rules.DEFAULT
        bad = {
            "pd_c": replace(d, grade_pd={**d.grade_pd, "C": Decimal("1.005")}),
            "pd_a": replace(d, grade_pd={**d.grade_pd, "A": Decimal("-0.01")}),
            "lgd": replace(d, lgd=Decimal("1.01")),
            "recovery_lag": replace(d, recovery_lag=37),
            "trigger": replace(d, trigger=Decimal(0) if value == "0" else Decimal("1.0001")),
        }[field]
        assumptions.set_assumptions(
            effective_from=timezone.localdate(), assumptions=bad, acting_user=structuring_staff
        )
    assert exc.value.code == code


def test_a_new_version_is_audited_and_a_pool_keeps_the_one_it_was_built_with(
    structuring_staff, treasury_staff
):
    deal = funded_deal(treasury_staff, amount=1_300_000)
    position = Position.objects.get(application=deal.application)
    today = timezone.localdate()

    def build():
        return services.build_pool(
            name="P",
            cut_off=today,
            method="pool",
            allowed_products=[position.product],
            concentration_limit=Decimal(1),
            acting_user=structuring_staff,
        )

    before = build()
    assert before.assumptions.version == 1
    assert before.items.get().lgd == pytest.approx(0.6)

    client = _client(structuring_staff)
    response = client.post(URL, _form(), follow=True)
    assert "前提条件の第2版を保存しました" in response.content.decode()
    v2 = AssumptionSet.objects.get(version=2)
    assert v2.grade_pd["C"] == "0.03"
    assert v2.lgd == Decimal("0.45")
    assert v2.recovery_lag == 4
    assert v2.trigger == Decimal("0.075")
    record = AuditRecord.objects.get(action="securitization.assumptions_set")
    assert record.payload["version"] == 2

    # A version dated in the future is not yet in force.
    client.post(URL, _form(effective_from=(today + timedelta(days=30)).isoformat(), lgd="90"))
    assert assumptions.in_force(today).version == 2
    assert assumptions.in_force(today + timedelta(days=30)).version == 3

    after = build()
    assert after.assumptions.version == 2
    item = after.items.get()
    assert item.lgd == pytest.approx(0.45)
    grade = item.grade
    assert item.pd == pytest.approx(float(v2.grade_pd[grade]))
    terms = terms_of(after)
    assert terms.recovery_lag == 4
    assert terms.trigger == pytest.approx(0.075)
    # The older pool still reads version 1: its analysis is reproducible.
    old = terms_of(before)
    assert old.recovery_lag == 2
    assert old.trigger == pytest.approx(0.10)
    page = client.get(f"/backoffice/securitization/{after.pk}/").content.decode()
    assert "第2版" in page


def test_only_the_structuring_role_edits_them(treasury_staff):
    response = _client(treasury_staff).post(URL, _form())
    assert response.status_code == 403
    assert AssumptionSet.objects.count() == 1
