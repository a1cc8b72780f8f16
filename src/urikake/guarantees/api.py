"""JSON API of 保証ファクタリング (mounted at /api/guarantees/)."""

from ninja import Router

router = Router(tags=["guarantees"])
