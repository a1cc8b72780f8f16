"""JSON API of the treasury app (a django-ninja router mounted at /api/treasury/)."""

from ninja import Router

router = Router(tags=["treasury"])
