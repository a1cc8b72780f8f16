"""JSON API of the receivables context (mounted at /api/receivables/)."""

from ninja import Router

router = Router(tags=["receivables"])
