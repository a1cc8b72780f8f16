"""The double-entry ledger (複式簿記の元帳): journal entries and their legs.

Rows are written only by :func:`urikake.ledger.services.post`, which validates each entry with
the domain rules (:func:`urikake.domain.ledger.journal_entry`) first. Posted rows are
immutable, enforced three times over:

* here — ``save()`` on an existing row and ``delete()`` raise :class:`ImmutableLedgerError`
  (so do the queryset's ``update()``/``delete()``);
* in the database — triggers refuse UPDATE and DELETE on both tables, on PostgreSQL and on
  SQLite (migration 0002);
* on PostgreSQL a ``DEFERRABLE INITIALLY DEFERRED`` constraint trigger checks at commit that
  every entry touched by the transaction has at least two legs summing to exactly 0.

A correction is a reversing entry (反対仕訳) that points at the entry it reverses; the
``reverses`` column is unique, so an entry can be reversed only once.
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.db import models

from urikake.domain.ledger import JournalEntry, Leg

MAX_ENTRY_ID = 200
MAX_ACCOUNT_CODE = 200


class ImmutableLedgerError(Exception):
    """A posted ledger row was about to be changed or deleted."""


_M = TypeVar("_M", bound=models.Model)


class _AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableLedgerError("posted ledger rows cannot be updated")

    def delete(self) -> NoReturn:
        raise ImmutableLedgerError("posted ledger rows cannot be deleted")


class _AppendOnly(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableLedgerError(f"{self._meta.label} rows are immutable once posted")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableLedgerError(f"{self._meta.label} rows cannot be deleted")


class LedgerEntry(_AppendOnly):
    """One journal entry (仕訳). ``entry_id`` is the caller's idempotency key."""

    entry_id = models.CharField("仕訳ID", max_length=MAX_ENTRY_ID, unique=True)
    date = models.DateField("計上日", db_index=True)
    description = models.CharField("摘要", max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name="取消対象の仕訳",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    posted_at = models.DateTimeField("記帳日時 (UTC)")
    actor = models.CharField("記帳者", max_length=200)

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = "仕訳"
        verbose_name_plural = "仕訳"

    def __str__(self) -> str:
        return f"{self.entry_id} ({self.date})"

    def as_journal_entry(self) -> JournalEntry:
        """The domain view of this entry (legs in their posted order)."""
        legs = tuple(Leg(leg.account, leg.amount) for leg in self.legs.order_by("position"))
        reverses = self.reverses.entry_id if self.reverses is not None else None
        return JournalEntry(self.entry_id, self.date, self.description, legs, reverses)


class LedgerLeg(_AppendOnly):
    """One line of an entry: ``amount`` > 0 is a debit (借方), < 0 a credit (貸方)."""

    entry = models.ForeignKey(
        LedgerEntry, verbose_name="仕訳", on_delete=models.PROTECT, related_name="legs"
    )
    position = models.PositiveSmallIntegerField("行番号")
    account = models.CharField("勘定科目", max_length=MAX_ACCOUNT_CODE, db_index=True)
    amount = models.BigIntegerField("金額（借方+ / 貸方−）")

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["entry_id", "position"]
        verbose_name = "仕訳明細"
        verbose_name_plural = "仕訳明細"
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="ledger_leg_position_uniq"),
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_leg_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount:+,}"
