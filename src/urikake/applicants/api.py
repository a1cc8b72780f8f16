"""API routes of the applicants app (mounted at /api/applicants/).

Consent to external data uses (反社チェック, 信用情報照会; docs/screening-vendors.md): an API
client reads the purposes and their versions, then records the organisation's consent — the
API counterpart of the checkboxes on the application form. Without it, screening asks no
vendor and refers the application.

Bank and branch look-up for the payout-account step (``static/applicants/bank-search.js``
calls these; the page works without them). Logged-in users only: the data is public
(zengin-code), but an open endpoint would be a free search service for anyone. Bad input is a
:class:`~urikake.domain.errors.DomainError`, which ``urikake.api`` turns into
``{"error": {"code", "message", "field"}}`` with status 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from urikake.accounts.api_auth import AuthenticatedAuth
from urikake.api_schemas import ErrorOut
from urikake.applicants import data_use
from urikake.applicants import services as applicant_services
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.models import Organization
from urikake.domain.bank_codes import data_version, lookup_bank, search_banks, search_branches
from urikake.domain.errors import DomainError

router = Router(tags=["applicants"])

MAX_QUERY_LENGTH = 50
BANK_LIMIT = 20
BRANCH_LIMIT = 50


class BankOut(Schema):
    code: str
    name: str
    kana: str


class BranchOut(Schema):
    bank_code: str
    code: str
    name: str
    kana: str


class BankSearchOut(Schema):
    results: list[BankOut]
    data_version: str


class BranchSearchOut(Schema):
    bank: BankOut
    results: list[BranchOut]
    data_version: str


def _query(q: str) -> str:
    q = q.strip()
    if len(q) > MAX_QUERY_LENGTH:
        raise DomainError(
            "bank_search.query_too_long",
            f"検索語は{MAX_QUERY_LENGTH}文字以内で入力してください",
            field="q",
        )
    return q


@router.get(
    "/banks",
    response={200: BankSearchOut, 422: ErrorOut},
    auth=AuthenticatedAuth(),
    url_name="applicants_bank_search",
    summary="金融機関の検索（名称・カナ・ひらがな・ローマ字・金融機関コード）",
)
def bank_search(request: HttpRequest, q: str = "") -> dict[str, object]:
    banks = search_banks(_query(q), limit=BANK_LIMIT)
    return {
        "results": [{"code": b.code, "name": b.name, "kana": b.kana} for b in banks],
        "data_version": data_version(),
    }


@router.get(
    "/banks/{bank_code}/branches",
    response={200: BranchSearchOut, 422: ErrorOut},
    auth=AuthenticatedAuth(),
    url_name="applicants_branch_search",
    summary="支店の検索（名称・カナ・支店コード）",
)
def branch_search(request: HttpRequest, bank_code: str, q: str = "") -> dict[str, object]:
    bank = lookup_bank(bank_code)
    branches = search_branches(bank.code, _query(q), limit=BRANCH_LIMIT)
    return {
        "bank": {"code": bank.code, "name": bank.name, "kana": bank.kana},
        "results": [
            {"bank_code": b.bank_code, "code": b.code, "name": b.name, "kana": b.kana}
            for b in branches
        ],
        "data_version": data_version(),
    }


# --- consent to external data uses ---------------------------------------------------------

UseName = Literal["antisocial_check", "credit_bureau"]


class DataUseOut(Schema):
    use: UseName
    title: str
    purpose: str  # the text the consent is to, verbatim
    version: str
    consented: bool  # to this version, not withdrawn
    consented_at: datetime | None


class DataUseListOut(Schema):
    uses: list[DataUseOut]


class DataUseConsentItem(Schema):
    use: UseName
    version: Annotated[str, Field(min_length=1, max_length=20)]  # the version the user read


class DataUseConsentIn(Schema):
    consents: Annotated[list[DataUseConsentItem], Field(min_length=1, max_length=2)]


def _data_uses(org: Organization) -> dict[str, object]:
    rows = applicant_services.data_use_consents(org)
    out = []
    for use in data_use.Use:
        purpose = data_use.current(use)
        row = rows[str(use.value)]
        given = applicant_services.has_data_use_consent(org, use)
        out.append(
            {
                "use": use.value,
                "title": purpose.title,
                "purpose": purpose.text,
                "version": purpose.version,
                "consented": given,
                "consented_at": row.at if given and row is not None else None,
            }
        )
    return {"uses": out}


@router.get(
    "/data-use",
    response={200: DataUseListOut},
    auth=ApplicantAuth(),
    url_name="applicants_data_use",
    summary="外部照会（反社チェック・信用情報）の利用目的と同意の状態",
)
def data_use_list(request: HttpRequest) -> dict[str, object]:
    return _data_uses(request.auth)  # type: ignore[attr-defined]  # set by ApplicantAuth


@router.post(
    "/data-use/consents",
    response={200: DataUseListOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="applicants_data_use_consent",
    summary="外部照会への同意を記録（利用目的の版を指定）",
)
def data_use_consent(request: HttpRequest, body: DataUseConsentIn) -> dict[str, object]:
    org: Organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    applicant_services.give_data_use_consent(
        org,
        [data_use.Use(c.use) for c in body.consents],
        acting_user=request.user,  # type: ignore[arg-type]
        ip=request.META.get("REMOTE_ADDR") or None,
        versions={c.use: c.version for c in body.consents},
    )
    return _data_uses(org)
