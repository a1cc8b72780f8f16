"""JSON API of the contracts app (a django-ninja router mounted at /api/contracts/)."""

from ninja import Router

router = Router(tags=["contracts"])
