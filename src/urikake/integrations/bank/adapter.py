"""The bank-statement API interface and its HTTP implementation.

Urikake reads an applicant's bank account through :class:`BankStatementSource` only: list the
accounts the connection may read, describe one account, and page through its transactions
for a date range. :func:`urikake.receivables.bank_pull.pull_statement` turns all pages into
one :class:`~urikake.domain.statements.Statement` and imports it all or nothing.

:class:`HttpBankApi` speaks the protocol in ``docs/bank-api.md`` (JSON over HTTP, bearer
token, cursor pagination); the local simulator (:mod:`urikake.integrations.bank.simulator`)
speaks the same protocol, so development and tests exercise this exact code. The real bank's
adapter comes with the connection approval: write another class with the same three methods
and return it from :func:`source_from_settings`.

HTTP goes through the shared client (:mod:`urikake.integrations.http`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from urikake.domain.statements import Direction
from urikake.integrations import connection_names
from urikake.integrations.http import (
    ConnectionNotApproved,
    Failure,
    HttpFailure,
    JsonClient,
    quote,
)

DEFAULT_BANK_API_URL = "http://127.0.0.1:8766"
DEV_BANK_API_TOKEN = "dev-bank-api-token"  # noqa: S105 # nosec B105 # the published development default
# Never read more than this from one response: a page of 500 transactions is ~150 KB.
_MAX_RESPONSE_BYTES = 4 * 1024 * 1024


class BankApiError(Exception):
    """The bank API could not be reached, refused the call or answered nonsense.

    ``message`` is Japanese and safe to show to the applicant; ``detail`` is for logs and
    staff (method, path, HTTP status, the bank's error code — never the account's data).
    """

    def __init__(self, message: str, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else self.message


UNREACHABLE = "銀行APIに接続できませんでした。時間をおいてもう一度お試しください。"
UNAUTHORIZED = "銀行APIの認証に失敗しました。口座連携の設定（アクセストークン）を確認してください。"
NOT_FOUND = "指定された口座が銀行APIに見つかりません。口座IDを確認してください。"
BAD_REQUEST = "銀行APIが要求を受け付けませんでした。口座IDと期間を確認してください。"
RATE_LIMITED = "銀行APIの利用回数の上限に達しました。しばらく待ってからもう一度お試しください。"
SERVER_ERROR = "銀行APIでエラーが発生しました。時間をおいてもう一度お試しください。"
BAD_ANSWER = "銀行APIから予期しない応答がありました。時間をおいてもう一度お試しください。"


@dataclass(frozen=True)
class BankAccount:
    account_id: str
    bank_code: str  # 4 digits
    branch_code: str  # 3 digits
    account_type: int | None  # 1 普通, 2 当座, 4 貯蓄, 9 その他
    account_number: str  # 7 digits
    account_name: str  # 口座名義 (half-width kana)

    @property
    def label(self) -> str:
        """For a picker: never the full account number."""
        return f"{self.account_name}（{self.branch_code}支店 ****{self.account_number[-4:]}）"


@dataclass(frozen=True)
class BankTransaction:
    transaction_id: str  # the bank's own id for the movement
    value_date: date
    direction: Direction
    amount: int  # yen, > 0
    counterparty: str  # 振込依頼人名 / 相手先 (half-width kana as the bank wrote it)
    description: str = ""  # 摘要
    balance_after: int | None = None
    edi: str = ""


@dataclass(frozen=True)
class TransactionPage:
    transactions: tuple[BankTransaction, ...]
    next_cursor: str | None  # None on the last page


class BankStatementSource(Protocol):
    def list_accounts(self) -> list[BankAccount]: ...

    def get_account(self, account_id: str) -> BankAccount: ...

    def transactions_page(
        self, account_id: str, *, date_from: date, date_to: date, cursor: str | None = None
    ) -> TransactionPage: ...


class HttpBankApi:
    """The bank's REST API: JSON answers, ``Authorization: Bearer <token>``."""

    def __init__(self, base_url: str, token: str, timeout: float = 15) -> None:
        self.client = JsonClient(
            base_url,
            token,
            connection=connection_names.BANK_API,
            url_setting="BANK_API_URL",
            credential_label="bank API token",
            user_agent="urikake-bank/1",
            timeout=timeout,
            max_response_bytes=_MAX_RESPONSE_BYTES,
        )

    # --- the interface ---------------------------------------------------------------------

    def list_accounts(self) -> list[BankAccount]:
        answer = self._get("/v1/accounts")
        accounts = answer.get("accounts")
        if not isinstance(accounts, list):
            raise BankApiError(BAD_ANSWER, detail="GET /v1/accounts: accounts missing")
        return [_account_from(item) for item in accounts]

    def get_account(self, account_id: str) -> BankAccount:
        return _account_from(self._get(f"/v1/accounts/{quote(account_id)}"))

    def transactions_page(
        self, account_id: str, *, date_from: date, date_to: date, cursor: str | None = None
    ) -> TransactionPage:
        query = {"from": date_from.isoformat(), "to": date_to.isoformat()}
        if cursor:
            query["cursor"] = cursor
        path = f"/v1/accounts/{quote(account_id)}/transactions"
        answer = self._get(path, query)
        items = answer.get("transactions")
        next_cursor = answer.get("next_cursor")
        if not isinstance(items, list) or not (
            next_cursor is None or (isinstance(next_cursor, str) and 0 < len(next_cursor) <= 500)
        ):
            raise BankApiError(BAD_ANSWER, detail=f"GET {path}: transactions/next_cursor invalid")
        transactions = tuple(_transaction_from(item) for item in items)
        for t in transactions:
            if not date_from <= t.value_date <= date_to:
                raise BankApiError(BAD_ANSWER, detail=f"GET {path}: a date outside the period")
        return TransactionPage(transactions, next_cursor)

    # --- plumbing --------------------------------------------------------------------------

    def _get(self, path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            return self.client.request("GET", path, query=query)
        except ConnectionNotApproved as exc:  # the connection-approval gate: nothing was sent
            raise BankApiError(exc.message, detail=exc.detail) from exc
        except HttpFailure as exc:
            if exc.kind is Failure.REFUSED and exc.status is not None:
                message = _message_for(exc.status)
            else:
                message = UNREACHABLE if exc.kind is Failure.UNREACHABLE else BAD_ANSWER
            raise BankApiError(message, detail=exc.detail, status=exc.status) from exc


def _message_for(status: int) -> str:
    if status in {401, 403}:
        return UNAUTHORIZED
    if status == 404:
        return NOT_FOUND
    if status == 429:
        return RATE_LIMITED
    if 400 <= status < 500:
        return BAD_REQUEST
    return SERVER_ERROR


def _text(item: dict[str, Any], name: str, limit: int, *, required: bool = False) -> str:
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        raise BankApiError(BAD_ANSWER, detail=f"{name} missing or invalid")
    return value


def _int(value: Any, name: str) -> int:
    # bool is an int in Python; a bank never means True by 1 yen.
    if not isinstance(value, int) or isinstance(value, bool):
        raise BankApiError(BAD_ANSWER, detail=f"{name} is not an integer")
    return value


def _account_from(item: Any) -> BankAccount:
    if not isinstance(item, dict):
        raise BankApiError(BAD_ANSWER, detail="account is not a JSON object")
    account_type = item.get("account_type")
    if account_type is not None:
        account_type = _int(account_type, "account_type")
    account = BankAccount(
        account_id=_text(item, "account_id", 100, required=True),
        bank_code=_text(item, "bank_code", 4),
        branch_code=_text(item, "branch_code", 3),
        account_type=account_type,
        account_number=_text(item, "account_number", 7),
        account_name=_text(item, "account_name", 100),
    )
    for name in ("bank_code", "branch_code", "account_number"):
        if not getattr(account, name).isascii() or not getattr(account, name).isdigit():
            raise BankApiError(BAD_ANSWER, detail=f"{name} is not digits")
    return account


def _transaction_from(item: Any) -> BankTransaction:
    if not isinstance(item, dict):
        raise BankApiError(BAD_ANSWER, detail="transaction is not a JSON object")
    try:
        value_date = date.fromisoformat(str(item.get("value_date")))
        direction = Direction(item.get("direction"))
    except ValueError as exc:
        raise BankApiError(BAD_ANSWER, detail="value_date/direction invalid") from exc
    amount = _int(item.get("amount"), "amount")
    if amount <= 0:
        raise BankApiError(BAD_ANSWER, detail="amount must be positive")
    balance = item.get("balance_after")
    return BankTransaction(
        transaction_id=_text(item, "transaction_id", 50, required=True),
        value_date=value_date,
        direction=direction,
        amount=amount,
        counterparty=_text(item, "counterparty", 200),
        description=_text(item, "description", 200),
        balance_after=None if balance is None else _int(balance, "balance_after"),
        edi=_text(item, "edi", 40),
    )


def source_from_settings() -> BankStatementSource:
    """The configured bank API (``BANK_API_URL``, ``BANK_API_TOKEN``).

    Raises :class:`ValueError` when the connection is not configured (no token in production).
    """
    from django.conf import settings

    default_token = "" if getattr(settings, "PRODUCTION", False) else DEV_BANK_API_TOKEN
    return HttpBankApi(
        getattr(settings, "BANK_API_URL", DEFAULT_BANK_API_URL),
        getattr(settings, "BANK_API_TOKEN", default_token),
    )
