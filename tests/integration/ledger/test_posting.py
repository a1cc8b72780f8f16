"""Posting through the service: validation, idempotency, conflicts, reversals, reports."""

from __future__ import annotations

from datetime import date

import pytest

from tests.integration.ledger.conftest import ACTOR, BANK, post_book
from urikake.audit.models import AuditRecord
from urikake.domain import ledger as rules
from urikake.domain.errors import DomainError
from urikake.domain.ledger import JournalEntry, Leg
from urikake.ledger import services
from urikake.ledger.models import LedgerEntry, LedgerLeg

pytestmark = pytest.mark.django_db

D = date(2026, 4, 1)


def _purchase(id: str = "purchase:1", face: int = 1_000_000, on: date = D) -> JournalEntry:
    return rules.purchase_receivable(
        id, on, client="C1", debtor="D1", face=face, fee=30_000, reserve_amount=100_000
    )


def test_post_stores_the_entry_its_legs_and_one_audit_record() -> None:
    row = services.post(_purchase(), actor=ACTOR)
    assert row.entry_id == "purchase:1"
    assert row.date == D
    assert row.actor == ACTOR
    legs = list(row.legs.order_by("position").values_list("account", "amount"))
    assert legs == [
        ("receivable:C1:D1", 1_000_000),
        ("fee_income", -30_000),
        ("reserve:C1", -100_000),
        ("payable:C1", -870_000),
    ]
    audit = AuditRecord.objects.get(action="ledger.posted")
    assert audit.object_id == str(row.pk)
    assert audit.payload["entry_id"] == "purchase:1"
    assert audit.payload["total_debits"] == 1_000_000
    assert row.as_journal_entry() == _purchase()


def test_posting_the_same_entry_again_returns_the_stored_one() -> None:
    first = services.post(_purchase(), actor=ACTOR)
    again = services.post(_purchase(), actor="system:retry")
    assert again.pk == first.pk
    # Leg order carries no meaning: a retry listing the legs differently is the same entry.
    shuffled = JournalEntry(first.entry_id, D, "別の摘要", tuple(reversed(_purchase().legs)))
    assert services.post(shuffled, actor=ACTOR).pk == first.pk
    assert LedgerEntry.objects.count() == 1
    assert LedgerLeg.objects.count() == 4
    assert AuditRecord.objects.filter(action="ledger.posted").count() == 1


@pytest.mark.parametrize(
    "other",
    [
        _purchase(face=1_000_001),
        _purchase(on=date(2026, 4, 2)),
        rules.journal_entry("purchase:1", D, "", [("fee_income", -1), ("suspense", 1)]),
    ],
    ids=["amount", "date", "legs"],
)
def test_the_same_id_with_other_content_is_a_conflict(other: JournalEntry) -> None:
    services.post(_purchase(), actor=ACTOR)
    with pytest.raises(DomainError) as exc:
        services.post(other, actor=ACTOR)
    assert exc.value.code == "ledger.id_conflict"
    assert LedgerLeg.objects.count() == 4


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (JournalEntry("x", D, "", (Leg("suspense", 100), Leg("fee_income", -99))), "unbalanced"),
        (JournalEntry("x", D, "", (Leg("suspense", 100),)), "too_few_legs"),
        (JournalEntry("x", D, "", ()), "too_few_legs"),
        (JournalEntry("x", D, "", (Leg("nope", 1), Leg("suspense", -1))), "unknown_account"),
        (JournalEntry("x", D, "", (Leg("suspense", 0), Leg("fee_income", 0))), "zero_leg"),
        (JournalEntry("", D, "", (Leg("suspense", 1), Leg("fee_income", -1))), "missing_id"),
        (
            JournalEntry("x" * 201, D, "", (Leg("suspense", 1), Leg("fee_income", -1))),
            "id_too_long",
        ),
    ],
)
def test_invalid_entries_are_refused_before_anything_is_written(
    entry: JournalEntry, code: str
) -> None:
    # JournalEntry can be built by hand, skipping journal_entry(): post() re-validates.
    with pytest.raises(DomainError) as exc:
        services.post(entry, actor=ACTOR)
    assert exc.value.code == f"ledger.{code}"
    assert not LedgerEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="ledger.posted").exists()


def test_reverse_entry_negates_every_leg_once() -> None:
    services.post(_purchase(), actor=ACTOR)
    reversal = services.reverse_entry(
        "purchase:1",
        id="purchase:1:reversal",
        date=date(2026, 4, 3),
        description="誤記訂正",
        actor=ACTOR,
    )
    assert reversal.reverses.entry_id == "purchase:1"
    assert reversal.as_journal_entry().legs == tuple(
        Leg(leg.account, -leg.amount) for leg in _purchase().legs
    )
    assert all(v == 0 for v in services.balances().values())
    # Idempotent on the reversal's id …
    again = services.reverse_entry(
        "purchase:1",
        id="purchase:1:reversal",
        date=date(2026, 4, 3),
        description="誤記訂正",
        actor=ACTOR,
    )
    assert again.pk == reversal.pk
    # … but a second, different reversal is refused.
    with pytest.raises(DomainError) as exc:
        services.reverse_entry(
            "purchase:1",
            id="purchase:1:reversal-2",
            date=date(2026, 4, 3),
            description="",
            actor=ACTOR,
        )
    assert exc.value.code == "ledger.already_reversed"
    assert LedgerEntry.objects.count() == 2


def test_reversal_rules() -> None:
    services.post(_purchase(), actor=ACTOR)
    with pytest.raises(DomainError) as exc:
        services.reverse_entry("nope", id="r", date=D, description="", actor=ACTOR)
    assert exc.value.code == "ledger.unknown_entry"
    with pytest.raises(DomainError) as exc:
        services.reverse_entry(
            "purchase:1", id="r", date=date(2026, 3, 31), description="", actor=ACTOR
        )
    assert exc.value.code == "ledger.reversal_before_entry"
    # A hand-made "reversal" that does not negate the original is not one.
    fake = rules.journal_entry(
        "r", D, "", [("fee_income", 30_000), ("suspense", -30_000)], reverses="purchase:1"
    )
    with pytest.raises(DomainError) as exc:
        services.post(fake, actor=ACTOR)
    assert exc.value.code == "ledger.not_a_reversal"
    assert LedgerEntry.objects.count() == 1


def test_balances_trial_balance_and_statement_of_a_whole_deal() -> None:
    book = post_book()
    assert services.balance(BANK) == 28_900
    assert services.balance(BANK, as_of=date(2026, 4, 30)) == -870_330
    assert services.balance("receivable:C1:D1") == 0
    assert services.balance("never-used") == 0
    everything = services.balances()
    assert everything == rules.balances(book["_entries"])
    assert everything["fee_income"] == -30_000
    assert everything[rules.TRANSFER_FEE] == 1_100
    tb = services.trial_balance()
    assert tb == rules.trial_balance(book["_entries"])
    assert tb.balanced
    assert tb.total_debits == tb.total_credits == 30_000
    april = services.trial_balance(date(2026, 4, 30))
    assert april.balanced
    assert april.total_debits == 1_000_330

    lines = services.account_statement(BANK)
    assert [(line.entry_id, line.amount, line.running_balance) for line in lines] == [
        ("payout:1", -870_330, -870_330),
        ("collection:1", 999_560, 129_230),
        ("payout:2", -100_330, 28_900),
    ]
    assert lines == rules.statement(book["_entries"], BANK)
    # A period: running balances start from the opening balance.
    may_june = services.account_statement(
        BANK, date_from=date(2026, 5, 1), date_to=date(2026, 5, 31)
    )
    assert [(line.entry_id, line.running_balance) for line in may_june] == [
        ("collection:1", 129_230)
    ]


def test_balance_prefixes_match_whole_segments() -> None:
    for client in ("C1", "C10"):
        services.post(
            rules.purchase_receivable(
                f"p:{client}", D, client=client, debtor="D1", face=1000, fee=10, reserve_amount=0
            ),
            actor=ACTOR,
        )
    assert services.balances("receivable:C1") == {"receivable:C1:D1": 1000}
    assert services.balances("receivable:") == {
        "receivable:C1:D1": 1000,
        "receivable:C10:D1": 1000,
    }
    assert services.balances("fee_income") == {"fee_income": -20}
    assert services.balances("payable", as_of=date(2026, 3, 31)) == {}


def test_entries_for_a_source() -> None:
    for id in ("payout_batch:12:sent", "payout_batch:12:fee", "payout_batch:120:sent"):
        services.post(
            rules.journal_entry(id, D, "", [("suspense", 5), ("fee_income", -5)]), actor=ACTOR
        )
    ids = [e.entry_id for e in services.entries_for("payout_batch:12")]
    assert sorted(ids) == ["payout_batch:12:fee", "payout_batch:12:sent"]
    assert len(services.entries_for("payout_batch:")) == 3


def test_cash_tie_out_against_bank_movements() -> None:
    post_book()
    bank = [
        (date(2026, 4, 2), -870_000, "ﾌﾘｺﾐ C1"),
        (date(2026, 4, 2), -330, "ﾃｽｳﾘﾖｳ"),
        (date(2026, 5, 31), 999_560, "ﾔﾏﾀﾞｼﾖｳｼﾞ"),
        (date(2026, 5, 31), 1_234, "ﾌﾒｲﾆﾕｳｷﾝ"),
        (date(2026, 7, 1), 5, "outside the period"),
    ]
    report = services.cash_tie_out(
        BANK, bank, date_from=date(2026, 4, 1), date_to=date(2026, 6, 30)
    )
    by_day = {d.date: d for d in report.days}
    assert list(by_day) == [date(2026, 4, 2), date(2026, 5, 31), date(2026, 6, 2)]
    april = by_day[date(2026, 4, 2)]
    # The ledger books payout + fee as one leg; the bank shows two lines: totals agree, items not.
    assert april.difference == 0
    assert not april.tied
    assert [m.amount for m in april.unexplained_ledger] == [-870_330]
    may = by_day[date(2026, 5, 31)]
    assert may.difference == 1_234
    assert [m.reference for m in may.unexplained_bank] == ["ﾌﾒｲﾆﾕｳｷﾝ"]
    assert may.unexplained_ledger == ()
    june = by_day[date(2026, 6, 2)]
    assert june.bank_total == 0
    assert june.difference == 100_330
    assert report.ledger_total == 28_900
    assert report.bank_total == 130_464
    assert report.difference == 130_464 - 28_900
    assert not report.tied
    with pytest.raises(DomainError) as exc:
        services.cash_tie_out("fee_income", [], date_from=D, date_to=D)
    assert exc.value.code == "tieout.not_a_cash_account"
