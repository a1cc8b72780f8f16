"""The ledger in the admin: read-only, like every financial or evidential model."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from urikake.ledger.models import LedgerEntry, LedgerLeg


class _ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LedgerLegInline(_ReadOnly, admin.TabularInline[LedgerLeg, LedgerEntry]):
    model = LedgerLeg
    fields = ("position", "account", "amount")
    extra = 0


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnly, admin.ModelAdmin[LedgerEntry]):
    list_display = ("entry_id", "date", "description", "actor", "posted_at")
    search_fields = ("entry_id", "description")
    date_hierarchy = "date"
    inlines = [LedgerLegInline]
