"""JSON API of 一括ファクタリング (mounted at /api/bulk/)."""

from ninja import Router

router = Router(tags=["bulk"])
