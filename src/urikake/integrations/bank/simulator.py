"""A local bank API: the same HTTP protocol as the real adapter expects, no database.

Run it with ``urikake bank_simulator`` (``make run`` should) or, without Django,
``python -m urikake.integrations.bank.simulator --port 8766``. Tests start it in a background
thread through :class:`BankApiSimulator` (``tests/fixtures/bank.py``).

Bank API (what Urikake calls; ``Authorization: Bearer <token>`` required)::

    GET /v1/accounts                                      → {"accounts": [account, …]}
    GET /v1/accounts/<id>                                 → account
    GET /v1/accounts/<id>/transactions?from=YYYY-MM-DD&to=YYYY-MM-DD[&cursor=…][&limit=N]
                                  → {"transactions": [transaction, …], "next_cursor": str|null}

Transactions are generated deterministically per account (same account id → same history,
every run): regular monthly customers paying by transfer (``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``, ``ｻｸﾗﾃﾞﾝｷ(ｶ``),
occasional one-off payers, and withdrawals (salaries, rent, social insurance, utilities,
transfer fees) with a running balance, from the account's opening date up to today.

Operator endpoints (for tests and demos; no token, so bind to loopback only)::

    POST /_simulator/accounts/<id>/transactions  {value_date, direction, amount,
                                                  counterparty, description?, edi?} → 201
    POST /_simulator/faults  {"fail_on_page": N|null, "status": 500}  the Nth page of every
                             transaction listing answers with that status (N from 1)
    GET  /healthz

The protocol is documented in ``docs/bank-api.md``.
"""

from __future__ import annotations

import argparse
import calendar
import contextlib
import hashlib
import hmac
import logging
import os
import random
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from urikake.integrations.bank.adapter import DEV_BANK_API_TOKEN
from urikake.integrations.simulator_base import (
    JsonApiHandler,
    LocalHttpSimulator,
    QuietServer,
    SimulatorError,
    is_loopback,
)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_PERIOD_DAYS = 3 * 366  # one request covers at most about three years
MAX_ADDED_TRANSACTIONS = 10_000  # bounded memory for the operator endpoint
MAX_BODY_BYTES = 64 * 1024
_ACCOUNT_PATH = re.compile(r"^/v1/accounts/([A-Za-z0-9_-]{1,100})$")
_TRANSACTIONS_PATH = re.compile(r"^/v1/accounts/([A-Za-z0-9_-]{1,100})/transactions$")
_OPERATOR_PATH = re.compile(r"^/_simulator/accounts/([A-Za-z0-9_-]{1,100})/transactions$")

# Customers (振込依頼人名 as banks print them: half-width kana; ｶ) / (ｶ = 株式会社,
# ﾕ) = 有限会社, ｺﾞｳ) = 合同会社).
_CUSTOMERS = (
    "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ",
    "ｻｸﾗﾃﾞﾝｷ(ｶ",
    "ｶ)ｱｵﾊﾞｹﾝｾﾂ",
    "ﾕ)ﾀﾅｶｺｳｷﾞﾖｳ",
    "ﾐﾄﾞﾘｼﾖｸﾋﾝ(ｶ",
    "ｶ)ﾋｶﾘﾛｼﾞｽﾃｲｸｽ",
    "ｶ)ﾎｼﾉｾｲｻｸｼﾖ",
    "ﾆｼﾀﾞｻﾝｷﾞﾖｳ(ｶ",
    "ｺﾞｳ)ｶﾜｾﾃﾞｻﾞｲﾝ",
    "ｶ)ﾏﾙｲﾁﾌﾞﾂﾘﾕｳ",
)
_ONE_OFF_PAYERS = ("ｽｽﾞｷ ﾀﾛｳ", "ｶ)ｺﾄﾌﾞｷｼﾖｳﾃﾝ", "ｵｵｻｷｼﾖｳｶｲ(ｶ", "ﾔﾏﾓﾄ ﾊﾅｺ")


@dataclass(frozen=True)
class SimulatedAccount:
    account_id: str
    bank_code: str = "0001"
    branch_code: str = "001"
    account_type: int = 1
    account_number: str = "1234567"
    account_name: str = "ｶ)ｳﾘｶｹｼﾖｳｼﾞ"
    opened: date = date(2022, 4, 1)
    opening_balance: int = 3_000_000

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "bank_code": self.bank_code,
            "branch_code": self.branch_code,
            "account_type": self.account_type,
            "account_number": self.account_number,
            "account_name": self.account_name,
            "currency": "JPY",
        }


DEMO_ACCOUNTS = (
    SimulatedAccount("acc_demo_main", account_number="1234567", account_name="ｶ)ﾃﾞﾓｼﾖｳｼﾞ"),
    SimulatedAccount(
        "acc_demo_sub",
        branch_code="123",
        account_type=2,
        account_number="7654321",
        account_name="ｶ)ﾃﾞﾓｼﾖｳｼﾞ",
        opened=date(2024, 10, 1),
        opening_balance=500_000,
    ),
)


@dataclass
class _Movement:
    value_date: date
    direction: str
    amount: int
    counterparty: str
    description: str
    edi: str = ""


@dataclass
class _History:
    """One account's generated movements up to ``until`` (rebuilt when the day changes)."""

    until: date
    transactions: list[dict[str, Any]] = field(default_factory=list)


class BankApiSimulator(LocalHttpSimulator):
    """The simulator: :meth:`start` serves in a daemon thread, :meth:`stop` shuts it down."""

    thread_name = "bank-api-simulator"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8766,
        token: str = DEV_BANK_API_TOKEN,
        accounts: Iterable[SimulatedAccount] = DEMO_ACCOUNTS,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        today: Callable[[], date] = date.today,
    ) -> None:
        if not token:
            raise ValueError("the simulator needs a token")
        self.token = token
        self.accounts = {a.account_id: a for a in accounts}
        self.page_size = page_size
        self.today = today  # injectable so that tests can fix the calendar
        # Fault injection: the Nth page (from 1) of every transaction listing fails.
        self.fail_on_page: int | None = None
        self.fail_status = 500
        self.requests: list[str] = []  # the last request paths (bounded), for tests
        self._added: dict[str, list[_Movement]] = {}
        self._history: dict[str, _History] = {}
        self._lock = threading.Lock()
        self._server = QuietServer((host, port), _Handler)
        self._server.simulator = self

    # --- lifecycle ------------------------------------------------------------------------

    # --- the bank's behaviour (also callable directly from tests) --------------------------

    def account(self, account_id: str) -> SimulatedAccount:
        account = self.accounts.get(account_id)
        if account is None:
            raise SimulatorError(404, "account_not_found", "no such account")
        return account

    def add_transaction(self, account_id: str, payload: Any) -> dict[str, Any]:
        """Add one movement (after the generated ones of its day); returns it as listed."""
        self.account(account_id)
        movement = _validate_movement(payload)
        with self._lock:
            added = self._added.setdefault(account_id, [])
            if sum(len(v) for v in self._added.values()) >= MAX_ADDED_TRANSACTIONS:
                raise SimulatorError(409, "too_many", "too many added transactions")
            added.append(movement)
            self._history.pop(account_id, None)
        for t in self.transactions(account_id):
            if t["_added"] == len(added):
                return _public(t)
        raise AssertionError("added transaction not found")  # pragma: no cover

    def transactions(self, account_id: str) -> list[dict[str, Any]]:
        """The account's whole history up to today, oldest first (with running balance)."""
        account = self.account(account_id)
        today = self.today()
        with self._lock:
            history = self._history.get(account_id)
            if history is None or history.until != today:
                history = _History(today, _build(account, today, self._added.get(account_id, [])))
                self._history[account_id] = history
            return history.transactions

    def page(
        self, account_id: str, *, date_from: date, date_to: date, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        if date_from > date_to:
            raise SimulatorError(400, "invalid_period", "from must not be after to")
        if (date_to - date_from).days > MAX_PERIOD_DAYS:
            raise SimulatorError(400, "invalid_period", "period too long")
        rows = [t for t in self.transactions(account_id) if date_from <= t["_date"] <= date_to]
        offset = _offset_from(cursor, account_id, date_from, date_to)
        page_number = offset // limit + 1 if limit else 1
        if self.fail_on_page is not None and page_number == self.fail_on_page:
            raise SimulatorError(self.fail_status, "internal_error", "simulated failure")
        chunk = rows[offset : offset + limit]
        end = offset + len(chunk)
        next_cursor = _cursor_for(end, account_id, date_from, date_to) if end < len(rows) else None
        return {"transactions": [_public(t) for t in chunk], "next_cursor": next_cursor}


def _public(t: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in t.items() if not k.startswith("_")}


def _cursor_for(offset: int, account_id: str, date_from: date, date_to: date) -> str:
    tag = hashlib.sha256(f"{account_id}|{date_from}|{date_to}|{offset}".encode()).hexdigest()
    return f"{offset}.{tag[:16]}"


def _offset_from(cursor: str | None, account_id: str, date_from: date, date_to: date) -> int:
    if not cursor:
        return 0
    offset_text, _, _tag = cursor.partition(".")
    if offset_text.isascii() and offset_text.isdigit():
        offset = int(offset_text)
        expected = _cursor_for(offset, account_id, date_from, date_to)
        if hmac.compare_digest(cursor.encode(), expected.encode()):
            return offset
    raise SimulatorError(400, "invalid_cursor", "cursor does not belong to this query")


def _months(start: date, end: date) -> Iterable[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _business_day(day: date) -> date:
    """Transfers scheduled on a weekend land on the next Monday (holidays ignored)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _on(year: int, month: int, day: int) -> date:
    return _business_day(date(year, month, min(day, calendar.monthrange(year, month)[1])))


def _generated(account: SimulatedAccount, year: int, month: int) -> list[_Movement]:
    """One month of an account's movements: a pure function of (account id, year, month)."""
    seed = int.from_bytes(hashlib.sha256(account.account_id.encode()).digest()[:8], "big")
    base = random.Random(seed)  # noqa: S311 # nosec B311 # simulated data, not security
    customers = base.sample(_CUSTOMERS, k=5)
    terms = [(base.choice((10, 20, 25, 31)), base.randrange(8, 120) * 10_000) for _ in customers]
    # Costs follow the business's size, so the balance drifts slowly like a real account's.
    revenue = sum(amount for _, amount in terms) * 1.1
    payroll = round(revenue * base.uniform(0.35, 0.45) / 1000) * 1000
    rent = round(revenue * base.uniform(0.05, 0.08) / 1000) * 1000
    supplier = base.choice(("ｶ)ｵｵｴﾄﾞｼﾖｳｶｲ", "ﾄｳﾖｳｻﾞｲﾘﾖｳ(ｶ", "ｶ)ﾐﾅﾐﾊﾟﾂｹｰｼﾞ"))
    rng = random.Random(f"{seed}:{year}-{month:02d}")  # noqa: S311 # nosec B311 # not security: reproducible simulated data or retry jitter
    out: list[_Movement] = []
    for payer, (day, amount) in zip(customers, terms, strict=True):
        if rng.random() < 0.08:
            continue  # a customer skipped a month
        varied = round(amount * rng.uniform(0.85, 1.15) * 1.1)  # tax-inclusive invoice total
        edi = (
            f"INV{year % 100:02d}{month:02d}{rng.randrange(1000):03d}" if rng.random() < 0.3 else ""
        )
        out.append(_Movement(_on(year, month, day), "deposit", varied, payer, "ﾌﾘｺﾐ", edi))
    if rng.random() < 0.35:
        payer = rng.choice(_ONE_OFF_PAYERS)
        out.append(
            _Movement(
                _on(year, month, rng.randrange(1, 29)),
                "deposit",
                rng.randrange(2, 60) * 1_100,
                payer,
                "ﾌﾘｺﾐ",
            )
        )
    out.extend(
        [
            _Movement(_on(year, month, 25), "withdrawal", payroll, "ｷﾕｳﾖ", "ｷﾕｳﾖﾌﾘｺﾐ"),
            _Movement(_on(year, month, 27), "withdrawal", rent, "ｶ)ﾐﾅﾄﾌﾄﾞｳｻﾝ", "ﾔﾁﾝ"),
            _Movement(
                _on(year, month, 31),
                "withdrawal",
                round(payroll * 0.15),
                "ﾈﾝｷﾝｼﾞﾑｼﾖ",
                "ｼﾔｶｲﾎｹﾝﾘﾖｳ",
            ),
            _Movement(
                _on(year, month, 15),
                "withdrawal",
                rng.randrange(12_000, 48_000),
                "ﾃﾞﾝﾘﾖｸ",
                "ﾃﾞﾝｷﾘﾖｳｷﾝ",
            ),
            _Movement(_on(year, month, 25), "withdrawal", 660, "", "ﾌﾘｺﾐﾃｽｳﾘﾖｳ"),
            _Movement(
                _on(year, month, 20),
                "withdrawal",
                round(revenue * rng.uniform(0.3, 0.42)),
                supplier,
                "ﾌﾘｺﾐ ｼｲﾚ",
            ),
        ]
    )
    return out


def _build(account: SimulatedAccount, today: date, added: list[_Movement]) -> list[dict[str, Any]]:
    movements: list[tuple[date, int, int, _Movement]] = []
    for year, month in _months(account.opened, today):
        for n, m in enumerate(_generated(account, year, month)):
            if account.opened <= m.value_date <= today:
                movements.append((m.value_date, 0, n, m))
    for n, m in enumerate(added, start=1):
        movements.append((m.value_date, 1, n, m))
    # Deposits before withdrawals within a day (the order banks usually print them in).
    movements.sort(key=lambda row: (row[0], row[1], row[3].direction != "deposit", row[2]))
    balance = account.opening_balance
    out: list[dict[str, Any]] = []
    per_day: dict[date, int] = {}
    for value_date, is_added, n, m in movements:
        amount = m.amount
        if m.direction == "withdrawal":
            if not is_added and amount > balance:
                amount = max(1, balance // 2)  # a real payer would not overdraw: pay less
            balance -= amount
        else:
            balance += amount
        seq = per_day[value_date] = per_day.get(value_date, 0) + 1
        out.append(
            {
                "transaction_id": f"{account.account_id}-{value_date:%Y%m%d}-{seq:03d}",
                "value_date": value_date.isoformat(),
                "direction": m.direction,
                "amount": amount,
                "counterparty": m.counterparty,
                "description": m.description,
                "balance_after": balance,
                "edi": m.edi,
                "_date": value_date,
                "_added": n if is_added else 0,
            }
        )
    return out


def _validate_movement(payload: Any) -> _Movement:
    def bad(message: str) -> SimulatorError:
        return SimulatorError(400, "invalid_request", message)

    if not isinstance(payload, dict):
        raise bad("body must be a JSON object")
    try:
        value_date = date.fromisoformat(str(payload.get("value_date")))
    except ValueError as exc:
        raise bad("value_date must be YYYY-MM-DD") from exc
    direction = payload.get("direction", "deposit")
    if direction not in {"deposit", "withdrawal"}:
        raise bad("direction must be deposit or withdrawal")
    amount = payload.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 10**12:
        raise bad("amount must be a positive integer (yen)")
    texts = {}
    for name, limit in (("counterparty", 200), ("description", 200), ("edi", 40)):
        value = payload.get(name, "")
        if not isinstance(value, str) or len(value) > limit:
            raise bad(f"{name} must be a string of at most {limit} characters")
        texts[name] = value
    return _Movement(value_date, direction, amount, **texts)


class _Handler(JsonApiHandler):
    server_version = "UrikakeBankSimulator/1"
    logger_name = "urikake.bank_simulator"
    max_body_bytes = MAX_BODY_BYTES

    @property
    def sim(self) -> BankApiSimulator:
        sim: BankApiSimulator = self.simulator
        return sim

    def _dispatch(self, method: str) -> None:
        # Every request is remembered, /healthz too (tests read what the client asked).
        with self.sim._lock:
            self.sim.requests.append(f"{method} {self.path}")
            del self.sim.requests[:-200]
        super()._dispatch(method)

    def route(self, method: str, path: str) -> None:
        if method == "GET" and path == "/v1/accounts":
            self.authorize(self.sim.token)
            accounts = [a.as_json() for a in self.sim.accounts.values()]
            self.send_json(200, {"accounts": accounts})
        elif method == "GET" and (m := _ACCOUNT_PATH.match(path)):
            self.authorize(self.sim.token)
            self.send_json(200, self.sim.account(m.group(1)).as_json())
        elif method == "GET" and (m := _TRANSACTIONS_PATH.match(path)):
            self.authorize(self.sim.token)
            query = urllib.parse.urlsplit(self.path).query
            self.send_json(200, self._transactions(m.group(1), query))
        elif method == "POST" and (m := _OPERATOR_PATH.match(path)):
            self.send_json(201, self.sim.add_transaction(m.group(1), self.read_json()))
        elif method == "POST" and path == "/_simulator/faults":
            self._faults(self.read_json())
        elif path.startswith(("/v1/", "/_simulator/")):
            raise SimulatorError(405, "method_not_allowed", "method not allowed")
        else:
            raise SimulatorError(404, "not_found", "no such endpoint")

    def _transactions(self, account_id: str, query: str) -> dict[str, Any]:
        self.sim.account(account_id)
        params = urllib.parse.parse_qs(query)

        def one(name: str) -> str | None:
            values = params.get(name)
            return values[0] if values else None

        try:
            date_from = date.fromisoformat(one("from") or "")
            date_to = date.fromisoformat(one("to") or "")
        except ValueError as exc:
            raise SimulatorError(400, "invalid_period", "from and to must be YYYY-MM-DD") from exc
        limit_text = one("limit")
        limit = self.sim.page_size
        if limit_text is not None:
            if not limit_text.isascii() or not limit_text.isdigit() or int(limit_text) < 1:
                raise SimulatorError(400, "invalid_request", "limit must be a positive integer")
            limit = min(int(limit_text), MAX_PAGE_SIZE)
        return self.sim.page(
            account_id, date_from=date_from, date_to=date_to, cursor=one("cursor"), limit=limit
        )

    def _faults(self, data: Any) -> None:
        if not isinstance(data, dict):
            raise SimulatorError(400, "invalid_request", "body must be a JSON object")
        page = data.get("fail_on_page")
        status = data.get("status", 500)
        if (page is not None and (not isinstance(page, int) or page < 1)) or status not in {
            429,
            500,
            502,
            503,
        }:
            raise SimulatorError(400, "invalid_request", "fail_on_page ≥ 1 or null; status 5xx/429")
        self.sim.fail_on_page = page
        self.sim.fail_status = status
        self.send_json(200, {"fail_on_page": page, "status": status})


def add_arguments(parser: Any) -> None:
    """Options shared by ``main()`` and the ``urikake bank_simulator`` command."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)


def run(*, host: str, port: int, token: str, write: Callable[[str], Any]) -> None:
    simulator = BankApiSimulator(host, port, token)
    if not is_loopback(host):
        write(f"警告: {host} で待ち受けます。操作用エンドポイントに認証はありません。")
    ids = ", ".join(simulator.accounts)
    write(f"銀行API シミュレーター: {simulator.url}  (口座: {ids})")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is the normal way to stop
        simulator.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m urikake.integrations.bank.simulator",
        description="ローカル銀行API シミュレーター (development and tests only)",
    )
    add_arguments(parser)
    parser.add_argument("--token", default=os.environ.get("BANK_API_TOKEN") or DEV_BANK_API_TOKEN)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run(host=args.host, port=args.port, token=args.token, write=print)


if __name__ == "__main__":
    main()
