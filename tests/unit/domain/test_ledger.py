"""Unit and property tests for urikake.domain.ledger."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.ledger import (
    CHART,
    AccountKind,
    AccountType,
    JournalEntry,
    Leg,
    Side,
    balance_of,
    balances,
    cash,
    client_payable,
    collection,
    journal_entry,
    payout,
    purchase_receivable,
    receivable,
    release_reserve,
    reserve,
    reverse,
    statement,
    trial_balance,
    write_off,
)

D = date(2026, 4, 1)
BANK = cash("0001", "100", "1234567")
ACCOUNTS = [BANK, receivable("C1", "D1"), reserve("C1"), client_payable("C1"), "fee_income"]


def test_normal_sides() -> None:
    assert AccountKind.ASSET.normal_side is Side.DEBIT
    assert AccountKind.EXPENSE.normal_side is Side.DEBIT
    for kind in (AccountKind.LIABILITY, AccountKind.EQUITY, AccountKind.INCOME):
        assert kind.normal_side is Side.CREDIT


def test_account_codes_and_chart() -> None:
    assert BANK == "cash:0001-100-1234567"
    assert receivable("C1", "D9") == "receivable:C1:D9"
    assert CHART.knows("receivable:C1:D9")
    assert not CHART.knows("receivable:C1")
    assert not CHART.knows("fee_income:x")
    assert not CHART.knows("nope")
    assert CHART.name_of("reserve:C1") == "留保金(預り金)(C1)"
    assert CHART.kind_of("write_off") is AccountKind.EXPENSE
    with pytest.raises(DomainError):
        receivable("C:1", "D")
    with pytest.raises(DomainError):
        cash("0001", "1-0", "1")
    extended = CHART.extend(AccountType("interest", AccountKind.INCOME, "受取利息"))
    assert extended.knows("interest")
    assert not CHART.knows("interest")
    with pytest.raises(DomainError) as err:
        CHART.extend(AccountType("cash", AccountKind.ASSET, "現金"))
    assert err.value.code == "ledger.duplicate_account_type"


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        ([(BANK, 100)], "ledger.too_few_legs"),
        ([(BANK, 100), ("fee_income", -99)], "ledger.unbalanced"),
        ([(BANK, 100), ("fee_income", -100), ("suspense", 0)], "ledger.zero_leg"),
        ([(BANK, 100), ("unknown", -100)], "ledger.unknown_account"),
        ([(BANK, 100.0), ("fee_income", -100)], "ledger.invalid_amount"),
        ([(BANK, True), ("fee_income", -1)], "ledger.invalid_amount"),
    ],
)
def test_journal_entry_rejects(legs: list[tuple[str, object]], code: str) -> None:
    with pytest.raises(DomainError) as err:
        journal_entry("E1", D, "x", legs)  # type: ignore[arg-type]
    assert err.value.code == code
    assert err.value.message


def test_journal_entry_custom_chart_check() -> None:
    entry = journal_entry("E1", D, "x", [("a", 5), Leg("b", -5)], known=lambda c: c in "ab")
    assert entry.legs == (Leg("a", 5), Leg("b", -5))
    with pytest.raises(DomainError):
        journal_entry("", D, "x", [(BANK, 1), ("fee_income", -1)])


def test_factoring_flow_example() -> None:
    entries = [
        purchase_receivable(
            "E1", D, client="C1", debtor="D1", face=1_000_000, fee=50_000, reserve_amount=100_000
        ),
        payout("E2", D, client="C1", cash_account=BANK, amount=850_000, transfer_fee=330),
        collection(
            "E3",
            date(2026, 5, 31),
            client="C1",
            debtor="D1",
            cash_account=BANK,
            received=999_560,
            payer_deducted_fee=440,
        ),
        release_reserve("E4", date(2026, 6, 1), client="C1", amount=100_000),
        payout(
            "E5", date(2026, 6, 1), client="C1", cash_account=BANK, amount=100_000, transfer_fee=330
        ),
    ]
    bal = balances(entries)
    assert bal[receivable("C1", "D1")] == 0
    assert bal[reserve("C1")] == 0
    assert bal[client_payable("C1")] == 0
    assert bal["fee_income"] == -50_000
    assert bal["transfer_fee"] == 330 + 440 + 330
    assert bal[BANK] == 999_560 - 850_330 - 100_330
    tb = trial_balance(entries)
    assert tb.balanced
    assert tb.total_debits == tb.total_credits
    assert {r.account for r in tb.rows} == {BANK, "fee_income", "transfer_fee"}
    lines = statement(entries, BANK)
    assert [ln.entry_id for ln in lines] == ["E2", "E3", "E5"]
    assert lines[-1].running_balance == bal[BANK]


def test_write_off_and_reverse() -> None:
    entry = write_off("W1", D, client="C1", debtor="D1", amount=500)
    assert entry.legs == (Leg("write_off", 500), Leg(receivable("C1", "D1"), -500))
    rev = reverse(entry, id="W1R", date=D, description="取消")
    assert rev.reverses == "W1"
    assert all(v == 0 for v in balances([entry, rev]).values())


def test_purchase_rejects_fee_above_face() -> None:
    with pytest.raises(DomainError):
        purchase_receivable("E", D, client="C", debtor="D", face=100, fee=60, reserve_amount=41)
    with pytest.raises(DomainError):
        payout("E", D, client="C", cash_account=BANK, amount=-1)


def test_entry_is_frozen() -> None:
    entry = write_off("W1", D, client="C1", debtor="D1", amount=500)
    with pytest.raises(AttributeError):
        entry.id = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------- properties

amounts = st.integers(min_value=-(10**12), max_value=10**12).filter(lambda n: n != 0)


@st.composite
def entries_st(draw: st.DrawFn, idx: int = 0) -> JournalEntry:
    debits = draw(st.lists(st.sampled_from(ACCOUNTS), min_size=1, max_size=4))
    values = draw(st.lists(amounts, min_size=len(debits), max_size=len(debits)))
    legs = [Leg(a, v) for a, v in zip(debits, values, strict=True)]
    total = sum(values)
    balancing = -total if total != 0 else draw(amounts)
    legs.append(Leg(draw(st.sampled_from(ACCOUNTS)), balancing))
    if total == 0:
        legs.append(Leg(draw(st.sampled_from(ACCOUNTS)), -balancing))
    d = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
    return journal_entry(f"E{draw(st.integers(0, 10**6))}", d, "x", legs)


@given(st.lists(entries_st(), max_size=8))
def test_entries_balance_and_balances_sum(entries: list[JournalEntry]) -> None:
    for e in entries:
        assert sum(leg.amount for leg in e.legs) == 0
    bal = balances(entries)
    assert sum(bal.values()) == 0
    for account in ACCOUNTS:
        expected = sum(lg.amount for e in entries for lg in e.legs if lg.account == account)
        assert bal.get(account, 0) == expected == balance_of(entries, account)
        lines = statement(entries, account)
        assert (lines[-1].running_balance if lines else 0) == expected
    tb = trial_balance(entries)
    assert tb.balanced
    assert tb.total_debits == tb.total_credits


@given(entries_st())
def test_reversal_nets_to_zero(entry: JournalEntry) -> None:
    rev = reverse(entry, id="R", date=entry.date, description="反対仕訳")
    assert all(v == 0 for v in balances([entry, rev]).values())
    assert not trial_balance([entry, rev]).rows


@given(
    face=st.integers(2000, 10**12),
    fee_share=st.fractions(0, 1),
    reserve_share=st.fractions(0, 1),
    transfer=st.integers(0, 1000),
)
def test_recipes_balanced(
    face: int, fee_share: Fraction, reserve_share: Fraction, transfer: int
) -> None:
    fee = int((face - 2) * fee_share)  # fee <= face - 2
    held = 1 + int((face - fee - 2) * reserve_share)  # 1 <= held <= face - fee - 1
    net = face - fee - held
    assert net >= 1
    entries = [
        purchase_receivable(
            "P", D, client="C", debtor="X", face=face, fee=fee, reserve_amount=held
        ),
        payout("O", D, client="C", cash_account=BANK, amount=net, transfer_fee=transfer),
        collection(
            "K",
            D,
            client="C",
            debtor="X",
            cash_account=BANK,
            received=face - transfer,
            payer_deducted_fee=transfer,
        ),
        release_reserve("R", D, client="C", amount=held),
        write_off("W", D, client="C", debtor="X", amount=face),
    ]
    for e in entries:
        assert len(e.legs) >= 2
        assert sum(leg.amount for leg in e.legs) == 0
        assert all(leg.amount != 0 for leg in e.legs)
    assert trial_balance(entries).balanced
    assert balance_of(entries[:3], receivable("C", "X")) == 0


def test_equity_funding_books_cash_against_capital_or_retained_earnings() -> None:
    from urikake.domain.ledger import EquityFunding, equity_funding

    bank = cash("0001", "001", "1234567")
    capital = equity_funding(
        "equity:1", date(2026, 4, 1), kind=EquityFunding.CAPITAL, cash_account=bank, amount=10
    )
    assert [(leg.account, leg.amount) for leg in capital.legs] == [(bank, 10), ("capital", -10)]
    assert capital.description == "資本金の払込"
    opening = equity_funding(
        "equity:2", date(2026, 4, 1), kind=EquityFunding.OPENING, cash_account=bank, amount=7
    )
    assert [(leg.account, leg.amount) for leg in opening.legs] == [
        (bank, 7),
        ("retained_earnings", -7),
    ]
    assert CHART.kind_of("retained_earnings") is AccountKind.EQUITY
    for bad_account in ("fee_income", "capital", "nope"):
        with pytest.raises(DomainError):
            equity_funding(
                "equity:3",
                date(2026, 4, 1),
                kind=EquityFunding.CAPITAL,
                cash_account=bad_account,
                amount=1,
            )
    for bad_amount in (0, -1, True):
        with pytest.raises(DomainError):
            equity_funding(
                "equity:4",
                date(2026, 4, 1),
                kind=EquityFunding.CAPITAL,
                cash_account=bank,
                amount=bad_amount,
            )
