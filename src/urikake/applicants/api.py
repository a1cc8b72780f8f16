"""API routes of the applicants app (mounted at /api/applicants/).

Bank and branch look-up for the payout-account step (``static/applicants/bank-search.js``
calls these; the page works without them). Logged-in users only: the data is public
(zengin-code), but an open endpoint would be a free search service for anyone. Bad input is a
:class:`~urikake.domain.errors.DomainError`, which ``urikake.api`` turns into
``{"error": {"code", "message", "field"}}`` with status 422.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from urikake.accounts.api_auth import AuthenticatedAuth
from urikake.api_schemas import ErrorOut
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
