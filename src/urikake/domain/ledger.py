"""Pure double-entry ledger rules (複式簿記) for the factoring platform.

Sign convention: a :class:`Leg` amount is signed yen — **positive = debit (借方),
negative = credit (貸方)**. An entry is balanced (貸借一致) when its legs sum to exactly 0.
Posted entries are immutable; a correction is a reversing entry (:func:`reverse`, 反対仕訳)
followed by a new correct entry. Yen are ``int``; floats and bools are refused.

Account codes are ``<purpose>`` or ``<purpose>:<parts>`` (e.g. ``receivable:C1:D9``); the
purpose is looked up in a :class:`Chart` (勘定科目表). :data:`CHART` holds the platform's
accounts and can be extended with :meth:`Chart.extend`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError

__all__ = [
    "CHART",
    "AccountKind",
    "AccountType",
    "Chart",
    "EquityFunding",
    "JournalEntry",
    "Leg",
    "Side",
    "StatementLine",
    "TrialBalance",
    "TrialBalanceRow",
    "balance_of",
    "balances",
    "cash",
    "client_payable",
    "collection",
    "collection_legs",
    "deposit_applied",
    "deposit_received",
    "equity_funding",
    "journal_entry",
    "payout",
    "purchase_receivable",
    "receivable",
    "release_reserve",
    "reserve",
    "reserve_offset",
    "reverse",
    "spv_collection",
    "spv_price_received",
    "spv_remittance",
    "spv_reserve_passed",
    "statement",
    "trial_balance",
    "true_sale",
    "write_off",
    "write_off_entries",
]


class Side(enum.Enum):
    """借方 (debit) or 貸方 (credit)."""

    DEBIT = "debit"
    CREDIT = "credit"


class AccountKind(enum.Enum):
    """The five account classes and their normal balance side (正常残高)."""

    ASSET = "asset"  # 資産
    LIABILITY = "liability"  # 負債
    EQUITY = "equity"  # 純資産
    INCOME = "income"  # 収益
    EXPENSE = "expense"  # 費用

    @property
    def normal_side(self) -> Side:
        """Assets and expenses grow on the debit side; the rest on the credit side."""
        if self in (AccountKind.ASSET, AccountKind.EXPENSE):
            return Side.DEBIT
        return Side.CREDIT


@dataclass(frozen=True, slots=True)
class AccountType:
    """One line of the chart: a purpose (code prefix), its class and Japanese name.

    ``parts`` is how many ``:``-separated parameters a code of this purpose carries
    (``receivable:<client>:<debtor>`` has 2; ``fee_income`` has 0).
    """

    purpose: str
    kind: AccountKind
    name_ja: str
    parts: int = 0


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of accounts (勘定科目表) keyed by purpose."""

    types: tuple[AccountType, ...]

    def _by_purpose(self) -> dict[str, AccountType]:
        return {t.purpose: t for t in self.types}

    def lookup(self, code: str) -> AccountType | None:
        """The account type of ``code``, or ``None`` if it is not a valid code here."""
        if not isinstance(code, str) or not code:
            return None
        purpose, *params = code.split(":")
        account_type = self._by_purpose().get(purpose)
        if account_type is None or len(params) != account_type.parts:
            return None
        if any(not p or p != p.strip() for p in params):
            return None
        return account_type

    def knows(self, code: str) -> bool:
        """Whether ``code`` is a well-formed account of this chart (the callable check)."""
        return self.lookup(code) is not None

    def kind_of(self, code: str) -> AccountKind:
        return self._require(code).kind

    def name_of(self, code: str) -> str:
        """Japanese display name, with the parameters, e.g. ``買取債権(C1:D9)``."""
        account_type = self._require(code)
        _, _, params = code.partition(":")
        return f"{account_type.name_ja}({_param_name(params)})" if params else account_type.name_ja

    def extend(self, *types: AccountType) -> Chart:
        """A new chart with extra account types (a purpose may not be redefined)."""
        known = self._by_purpose()
        for t in types:
            if t.purpose in known:
                raise DomainError(
                    "ledger.duplicate_account_type",
                    f"勘定科目「{t.purpose}」は既に定義されています。",
                )
        return Chart((*self.types, *types))

    def _require(self, code: str) -> AccountType:
        account_type = self.lookup(code)
        if account_type is None:
            raise DomainError(
                "ledger.unknown_account", f"勘定科目表にない勘定科目です(「{code}」)。"
            )
        return account_type


CHART = Chart(
    (
        AccountType("cash", AccountKind.ASSET, "普通預金", 1),
        AccountType("receivable", AccountKind.ASSET, "買取債権", 2),
        AccountType("suspense", AccountKind.LIABILITY, "仮受金(未消込入金)"),
        AccountType("reserve", AccountKind.LIABILITY, "留保金(預り金)", 1),
        AccountType("payable", AccountKind.LIABILITY, "未払金(顧客)", 1),
        AccountType("fee_income", AccountKind.INCOME, "買取手数料収入"),
        AccountType("transfer_fee", AccountKind.EXPENSE, "支払手数料(振込手数料)"),
        AccountType("write_off", AccountKind.EXPENSE, "貸倒損失"),
        AccountType("capital", AccountKind.EQUITY, "資本金"),
        AccountType("retained_earnings", AccountKind.EQUITY, "繰越利益剰余金"),
        # Securitization (urikake.securitization): the SPV's side of a true sale.
        AccountType("spv_receivable", AccountKind.ASSET, "SPV未収金(譲渡代金)", 1),
        AccountType("retained_interest", AccountKind.ASSET, "劣後受益権等(留保)", 1),
        AccountType("spv_payable", AccountKind.LIABILITY, "SPV預り金(回収金)", 1),
        # Receivables-backed loans (urikake.domain.ledger_lending).
        AccountType("loan", AccountKind.ASSET, "貸付金", 1),
        AccountType("interest_receivable", AccountKind.ASSET, "未収利息", 1),
        AccountType("interest_income", AccountKind.INCOME, "受取利息"),
        AccountType("guarantee_fee_payable", AccountKind.LIABILITY, "預り信用保証料", 1),
        AccountType("guarantee_claim", AccountKind.ASSET, "代位弁済請求権", 1),
        # Guarantee factoring (urikake.domain.ledger_guarantees).
        AccountType("premium_receivable", AccountKind.ASSET, "未収保証料", 1),
        AccountType("unearned_premium", AccountKind.LIABILITY, "前受保証料"),
        AccountType("premium_income", AccountKind.INCOME, "保証料収益"),
        AccountType("guarantee_memo_asset", AccountKind.ASSET, "保証債務見返(対照勘定)"),
        AccountType("guarantee_memo", AccountKind.LIABILITY, "保証債務(対照勘定)"),
        AccountType("subrogated_receivable", AccountKind.ASSET, "求償債権(保証履行)", 1),
        AccountType("guarantor_payable", AccountKind.LIABILITY, "未払金(保証協会・回収金)", 1),
        # Bulk factoring (urikake.domain.ledger_bulk): receivables bought early, owed by the
        # buyer; the discount earned; the buyer's monthly fees.
        AccountType("bulk_receivable", AccountKind.ASSET, "一括買取債権", 1),
        AccountType("bulk_discount_income", AccountKind.INCOME, "割引料収入(一括)"),
        AccountType("bulk_fee_receivable", AccountKind.ASSET, "未収利用料(一括)", 1),
        AccountType("bulk_fee_income", AccountKind.INCOME, "利用料収入(一括)"),
    )
)


def _part(value: str, what: str, forbidden: str = ":") -> str:
    if (
        not isinstance(value, str)
        or not value
        or value != value.strip()
        or any(c in value for c in forbidden)
    ):
        raise DomainError("ledger.invalid_account_part", f"{what}の指定が正しくありません。")
    return value


def cash(bank: str, branch: str, account: str) -> str:
    """``cash:<bank>-<branch>-<account>`` — 普通預金 at one bank account."""
    parts = tuple(
        _part(v, what, ":-")
        for v, what in ((bank, "銀行コード"), (branch, "支店コード"), (account, "口座番号"))
    )
    return "cash:" + "-".join(parts)


def receivable(client: str, debtor: str) -> str:
    """``receivable:<client>:<debtor>`` — 買取債権 bought from a client, owed by a debtor."""
    return f"receivable:{_part(client, '顧客')}:{_part(debtor, '売掛先')}"


def reserve(client: str) -> str:
    """``reserve:<client>`` — 留保金: holdback owed back to the client after collection."""
    return f"reserve:{_part(client, '顧客')}"


def _param_name(params: str) -> str:
    """A parameter as a person reads it: a credit guarantee scheme's code (the loan's
    ``guarantee_fee_payable:receivables_2001`` …) by the scheme's name; others as they are
    (client and debtor codes are what staff search by)."""
    from urikake.domain.lending import SCHEMES  # the lending rules do not import the ledger

    return next((s.name_ja for s in SCHEMES if s.code == params), params)


def client_payable(client: str) -> str:
    """``payable:<client>`` — 未払金: amount owed to the client, not yet transferred."""
    return f"payable:{_part(client, '顧客')}"


FEE_INCOME = "fee_income"
TRANSFER_FEE = "transfer_fee"
SUSPENSE = "suspense"
WRITE_OFF = "write_off"
CAPITAL = "capital"
RETAINED_EARNINGS = "retained_earnings"


class EquityFunding(enum.StrEnum):
    """How money the operator puts into its own bank account is booked."""

    CAPITAL = "capital"  # 資本金の払込（増資）: Dr 普通預金 / Cr 資本金
    OPENING = "opening"  # 期首残高（開始仕訳）: Dr 普通預金 / Cr 繰越利益剰余金

    @property
    def label_ja(self) -> str:
        return {"capital": "資本金の払込", "opening": "期首残高（開始仕訳）"}[self.value]

    @property
    def equity_account(self) -> str:
        return CAPITAL if self is EquityFunding.CAPITAL else RETAINED_EARNINGS


@dataclass(frozen=True, slots=True)
class Leg:
    """One line of an entry: ``amount`` > 0 is a debit (借方), < 0 a credit (貸方)."""

    account: str
    amount: int


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced journal entry (仕訳). Build it with :func:`journal_entry` only."""

    id: str
    date: date
    description: str
    legs: tuple[Leg, ...]
    reverses: str | None = None


def _require_amount(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(
            "ledger.invalid_amount", "仕訳の金額は整数(円)で指定してください。", field=field
        )
    return int(value)


def journal_entry(
    id: str,
    date: date,
    description: str,
    legs: Iterable[Leg | tuple[str, int]],
    *,
    reverses: str | None = None,
    known: Callable[[str], bool] = CHART.knows,
) -> JournalEntry:
    """Validate and build a :class:`JournalEntry`.

    Checks: id non-empty, a real date, at least two legs, every amount a non-zero
    ``int``, every account accepted by ``known`` and the legs summing to exactly 0.
    """
    if not isinstance(id, str) or not id.strip():
        raise DomainError("ledger.missing_id", "仕訳IDが指定されていません。", field="id")
    entry_date = require_date(date, "date")
    if not isinstance(description, str):
        raise DomainError("ledger.invalid_description", "摘要は文字列で指定してください。")
    checked: list[Leg] = []
    for index, raw in enumerate(legs):
        field = f"legs[{index}]"
        leg = raw if isinstance(raw, Leg) else Leg(*raw)
        amount = _require_amount(leg.amount, field)
        if amount == 0:
            raise DomainError("ledger.zero_leg", "金額が0円の明細は登録できません。", field=field)
        if not isinstance(leg.account, str) or not known(leg.account):
            raise DomainError(
                "ledger.unknown_account",
                f"勘定科目表にない勘定科目です(「{leg.account}」)。",
                field=field,
            )
        checked.append(Leg(leg.account, amount))
    if len(checked) < 2:
        raise DomainError("ledger.too_few_legs", "仕訳には2行以上の明細が必要です。")
    total = sum(leg.amount for leg in checked)
    if total != 0:
        raise DomainError(
            "ledger.unbalanced",
            f"借方と貸方の合計が一致しません(差額 {total:+,}円)。",
        )
    return JournalEntry(id, entry_date, description, tuple(checked), reverses)


def reverse(entry: JournalEntry, *, id: str, date: date, description: str) -> JournalEntry:
    """The reversing entry (反対仕訳/赤黒訂正の赤): every leg negated, linked by ``reverses``."""
    return journal_entry(
        id,
        date,
        description,
        [Leg(leg.account, -leg.amount) for leg in entry.legs],
        reverses=entry.id,
        known=lambda _code: True,
    )


# --------------------------------------------------------------------------------------
# Balances and reports
# --------------------------------------------------------------------------------------


def balances(entries: Iterable[JournalEntry]) -> dict[str, int]:
    """Signed balance per account (debit positive); accounts netting to 0 are kept."""
    out: dict[str, int] = {}
    for entry in entries:
        for leg in entry.legs:
            out[leg.account] = out.get(leg.account, 0) + leg.amount
    return out


def balance_of(entries: Iterable[JournalEntry], account: str) -> int:
    """Signed balance (debit positive) of one account."""
    return sum(leg.amount for e in entries for leg in e.legs if leg.account == account)


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    account: str
    name_ja: str
    kind: AccountKind
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """残高試算表: one row per account with a non-zero balance, sorted by code."""

    rows: tuple[TrialBalanceRow, ...]
    total_debits: int
    total_credits: int
    balanced: bool


def trial_balance(entries: Iterable[JournalEntry], chart: Chart = CHART) -> TrialBalance:
    rows: list[TrialBalanceRow] = []
    for account, amount in sorted(balances(entries).items()):
        if amount == 0:
            continue
        rows.append(
            TrialBalanceRow(
                account,
                chart.name_of(account),
                chart.kind_of(account),
                max(amount, 0),
                max(-amount, 0),
            )
        )
    debits = sum(r.debit for r in rows)
    credits = sum(r.credit for r in rows)
    return TrialBalance(tuple(rows), debits, credits, debits == credits)


@dataclass(frozen=True, slots=True)
class StatementLine:
    date: date
    entry_id: str
    description: str
    amount: int
    running_balance: int


def statement(entries: Iterable[JournalEntry], account: str) -> list[StatementLine]:
    """勘定元帳: movements of one account in (date, given order), with running balance."""
    ordered = sorted(enumerate(entries), key=lambda pair: (pair[1].date, pair[0]))
    lines: list[StatementLine] = []
    running = 0
    for _, entry in ordered:
        for leg in entry.legs:
            if leg.account == account:
                running += leg.amount
                lines.append(
                    StatementLine(entry.date, entry.id, entry.description, leg.amount, running)
                )
    return lines


# --------------------------------------------------------------------------------------
# Posting recipes (the factoring flows)
# --------------------------------------------------------------------------------------


def _nonneg(value: object, field: str, what: str) -> int:
    amount = _require_amount(value, field)
    if amount < 0:
        raise DomainError("ledger.negative_amount", f"{what}に負の値は使えません。", field=field)
    return amount


def _positive(value: object, field: str, what: str) -> int:
    amount = _require_amount(value, field)
    if amount <= 0:
        raise DomainError(
            "ledger.nonpositive_amount", f"{what}は1円以上で指定してください。", field=field
        )
    return amount


def _legs(*pairs: tuple[str, int]) -> list[Leg]:
    return [Leg(a, n) for a, n in pairs if n != 0]


def purchase_receivable(
    id: str,
    date: date,
    *,
    client: str,
    debtor: str,
    face: int,
    fee: int,
    reserve_amount: int,
    description: str = "債権買取",
) -> JournalEntry:
    """債権買取: 買取債権 face / 買取手数料収入 fee + 留保金 reserve + 未払金 net.

    Dr receivable (face); Cr fee income (fee); Cr reserve:<client> (holdback);
    Cr payable:<client> for the net payout (face − fee − reserve), which :func:`payout`
    settles from a bank account.
    """
    face_ = _nonneg(face, "face", "額面")
    fee_ = _nonneg(fee, "fee", "手数料")
    held = _nonneg(reserve_amount, "reserve_amount", "留保金")
    if face_ <= 0 or fee_ + held > face_:
        raise DomainError(
            "ledger.invalid_purchase", "手数料と留保金の合計は額面以下にしてください。"
        )
    net = face_ - fee_ - held
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (receivable(client, debtor), face_),
            (FEE_INCOME, -fee_),
            (reserve(client), -held),
            (client_payable(client), -net),
        ),
    )


def payout(
    id: str,
    date: date,
    *,
    client: str,
    cash_account: str,
    amount: int,
    transfer_fee: int = 0,
    description: str = "買取代金振込",
    payable_account: str = "",
) -> JournalEntry:
    """振込による支払: 未払金 amount + 支払手数料 fee / 普通預金 amount + fee.

    The platform bears the bank transfer fee (振込手数料当方負担). ``payable_account``: the
    liability the transfer settles when it is not the client's 未払金 (the guarantee fee held
    for the guarantor, the guarantor's share of a recovery).
    """
    paid = _positive(amount, "amount", "支払額")
    fee_ = _nonneg(transfer_fee, "transfer_fee", "振込手数料")
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (payable_account or client_payable(client), paid),
            (TRANSFER_FEE, fee_),
            (cash_account, -(paid + fee_)),
        ),
    )


def collection(
    id: str,
    date: date,
    *,
    client: str,
    debtor: str,
    cash_account: str,
    received: int,
    payer_deducted_fee: int = 0,
    description: str = "売掛先からの回収",
) -> JournalEntry:
    """回収: 普通預金 received + 支払手数料 (先方差引) / 買取債権 received + fee.

    When the debtor deducts the transfer fee from the payment (振込手数料先方差引), the
    receivable is still settled in full and the deduction is booked as 支払手数料.
    """
    got = _positive(received, "received", "入金額")
    fee_ = _nonneg(payer_deducted_fee, "payer_deducted_fee", "差引手数料")
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (cash_account, got),
            (TRANSFER_FEE, fee_),
            (receivable(client, debtor), -(got + fee_)),
        ),
    )


def release_reserve(
    id: str, date: date, *, client: str, amount: int, description: str = "留保金の返還"
) -> JournalEntry:
    """留保金の解放: 留保金 / 未払金 — after collection the holdback becomes payable to
    the client; the cash leaves with a later :func:`payout`."""
    released = _positive(amount, "amount", "返還額")
    return journal_entry(
        id,
        date,
        description,
        _legs((reserve(client), released), (client_payable(client), -released)),
    )


def write_off(
    id: str,
    date: date,
    *,
    client: str,
    debtor: str,
    amount: int,
    description: str = "貸倒償却",
) -> JournalEntry:
    """貸倒れ: 貸倒損失 / 買取債権 — the uncollectable part of a purchased receivable."""
    lost = _positive(amount, "amount", "償却額")
    return journal_entry(
        id, date, description, _legs((WRITE_OFF, lost), (receivable(client, debtor), -lost))
    )


def equity_funding(
    id: str,
    date: date,
    *,
    kind: EquityFunding,
    cash_account: str,
    amount: int,
    description: str = "",
) -> JournalEntry:
    """資本金の払込 or 期首残高: 普通預金 amount / 資本金 (or 繰越利益剰余金) amount.

    The operator's own money in its operating account, booked so that the cash account does
    not start below zero and the books an accountant reads begin from a stated balance.
    """
    funded = _positive(amount, "amount", "金額")
    if CHART.lookup(cash_account) is None or not cash_account.startswith("cash:"):
        raise DomainError(
            "ledger.not_a_cash_account", "入金先は普通預金の勘定科目を指定してください。"
        )
    kind = EquityFunding(kind)
    return journal_entry(
        id,
        date,
        description or kind.label_ja,
        _legs((cash_account, funded), (kind.equity_account, -funded)),
    )


def deposit_received(
    id: str, date: date, *, cash_account: str, amount: int, description: str = "入金"
) -> JournalEntry:
    """入金 (未消込): 普通預金 / 仮受金 — every receipt lands in suspense until it is applied, so
    the ledger's cash always equals the bank's."""
    got = _positive(amount, "amount", "入金額")
    return journal_entry(id, date, description, _legs((cash_account, got), (SUSPENSE, -got)))


def collection_legs(
    *, client: str, debtor: str, amount: int, fee_deducted: int = 0, fee_from_reserve: int = 0
) -> list[Leg]:
    """The legs of ``amount`` yen applied to one purchased receivable (消込): Cr 買取債権
    ``amount``; the payer-deducted ``fee_deducted`` (part of ``amount``) is Dr 留保金 for the
    part charged to the client's holdback (``fee_from_reserve``), Dr 支払手数料 for the rest.
    The cash side is the deposit's (:func:`deposit_applied`)."""
    applied = _positive(amount, "amount", "消込額")
    fee_ = _nonneg(fee_deducted, "fee_deducted", "差引手数料")
    charged = _nonneg(fee_from_reserve, "fee_from_reserve", "留保金充当額")
    if fee_ > applied or charged > fee_:
        raise DomainError("ledger.invalid_collection", "差引手数料が消込額を超えています。")
    return _legs(
        (reserve(client), charged),
        (TRANSFER_FEE, fee_ - charged),
        (receivable(client, debtor), -applied),
    )


def deposit_applied(
    id: str, date: date, *, legs: Iterable[Leg], description: str = "消込"
) -> JournalEntry:
    """消込: 仮受金 / the :func:`collection_legs` of each receivable the deposit pays, one leg
    per account (two invoices of one client and debtor share an account). The suspense leg is
    what the receivables take, less what the payer deducted (it never arrived)."""
    merged: dict[str, int] = {}
    for leg in legs:
        merged[leg.account] = merged.get(leg.account, 0) + leg.amount
    suspense_debit = -sum(merged.values())
    return journal_entry(
        id,
        date,
        description,
        _legs((SUSPENSE, suspense_debit), *((a, n) for a, n in merged.items())),
    )


def reserve_offset(
    id: str,
    date: date,
    *,
    client: str,
    debtor: str,
    amount: int,
    description: str = "留保金と回収不能額の相殺",
) -> JournalEntry:
    """留保金の充当: 留保金 / 買取債権 — the holdback kept from the client absorbs a loss."""
    used = _positive(amount, "amount", "充当額")
    return journal_entry(
        id, date, description, _legs((reserve(client), used), (receivable(client, debtor), -used))
    )


def write_off_entries(
    ref: str, date: date, *, client: str, debtor: str, residual: int, holdback_available: int
) -> tuple[list[JournalEntry], int, int]:
    """貸倒償却 of the ``residual`` of one purchased receivable: the holdback still held
    (``holdback_available``) absorbs the loss first (``reserve_offset:<ref>``), the rest is
    貸倒損失 (``write_off:<ref>``). Returns (entries, offset, loss)."""
    left = _positive(residual, "residual", "償却額")
    available = _nonneg(holdback_available, "holdback_available", "留保金")
    offset = min(available, left)
    loss = left - offset
    entries = []
    if offset:
        entries.append(
            reserve_offset(
                f"reserve_offset:{ref}", date, client=client, debtor=debtor, amount=offset
            )
        )
    if loss:
        entries.append(
            write_off(f"write_off:{ref}", date, client=client, debtor=debtor, amount=loss)
        )
    return entries, offset, loss


# --- securitization (urikake.securitization, docs/securitization.md) ---------------------


def spv_account(purpose: str, pool: str) -> str:
    """``spv_receivable:<pool>``, ``retained_interest:<pool>`` or ``spv_payable:<pool>``."""
    return f"{purpose}:{_part(pool, 'プール')}"


def true_sale(
    id: str,
    date: date,
    *,
    pool: str,
    receivables: Iterable[tuple[str, str, int]],
    retained: int,
    description: str = "証券化（真正譲渡）",
) -> JournalEntry:
    """真正譲渡: SPV未収金 + 劣後受益権等 / 買取債権 — the receivables leave the balance sheet.

    ``receivables`` are (client, debtor, amount) of the sold positions' residuals (grouped
    per receivable account). The price the SPV owes is the amount minus what the platform
    keeps (``retained``: a subordinated interest it holds, plus any excess-concentration
    haircut), booked as SPV未収金 until the SPV pays.
    """
    per_account: dict[str, int] = {}
    for client, debtor, amount in receivables:
        code = receivable(client, debtor)
        per_account[code] = per_account.get(code, 0) + _positive(amount, "amount", "譲渡額")
    total = sum(per_account.values())
    kept = _nonneg(retained, "retained", "留保額")
    if not per_account or kept > total:
        raise DomainError(
            "ledger.invalid_true_sale", "留保額は譲渡する債権の合計以下にしてください。"
        )
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (spv_account("spv_receivable", pool), total - kept),
            (spv_account("retained_interest", pool), kept),
            *((code, -amount) for code, amount in sorted(per_account.items())),
        ),
    )


def spv_collection(
    id: str,
    date: date,
    *,
    pool: str,
    cash_account: str,
    amount: int,
    description: str = "譲渡済み債権の回収（SPV預り）",
) -> JournalEntry:
    """回収（譲渡後）: 普通預金 / SPV預り金 — the platform services the sold receivable and
    holds the collection for the SPV."""
    got = _positive(amount, "amount", "入金額")
    return journal_entry(
        id, date, description, _legs((cash_account, got), (spv_account("spv_payable", pool), -got))
    )


def spv_remittance(
    id: str,
    date: date,
    *,
    pool: str,
    cash_account: str,
    amount: int,
    description: str = "回収金のSPVへの引渡し",
) -> JournalEntry:
    """引渡し: SPV預り金 / 普通預金 — collections passed on to the SPV's account."""
    paid = _positive(amount, "amount", "引渡額")
    return journal_entry(
        id,
        date,
        description,
        _legs((spv_account("spv_payable", pool), paid), (cash_account, -paid)),
    )


def spv_price_received(
    id: str,
    date: date,
    *,
    pool: str,
    cash_account: str,
    amount: int,
    description: str = "SPVからの譲渡代金の入金",
) -> JournalEntry:
    """譲渡代金の入金: 普通預金 / SPV未収金 — the SPV pays the price of the true sale."""
    got = _positive(amount, "amount", "入金額")
    return journal_entry(
        id,
        date,
        description,
        _legs((cash_account, got), (spv_account("spv_receivable", pool), -got)),
    )


def spv_reserve_passed(
    id: str,
    date: date,
    *,
    pool: str,
    client: str,
    amount: int,
    description: str = "譲渡済み債権の貸倒れに留保金を充当（SPVへ）",
) -> JournalEntry:
    """留保金の充当（譲渡後）: 留保金 / SPV預り金 — a sold receivable is written off; the
    client's holdback still absorbs the loss first, but the loss is the SPV's (it bought the
    receivable), so what the holdback covers is owed to the SPV and leaves with the next
    :func:`spv_remittance`. There is no 貸倒損失 and no 買取債権 leg: the true sale already took
    the receivable off the platform's books (docs/securitization.md)."""
    used = _positive(amount, "amount", "充当額")
    return journal_entry(
        id,
        date,
        description,
        _legs((reserve(client), used), (spv_account("spv_payable", pool), -used)),
    )
