"""JSON API of the ledger app (a django-ninja router mounted at /api/ledger/)."""

from ninja import Router

router = Router(tags=["ledger"])
