"""API routes of the kyc app (mounted at /api/kyc/)."""

from ninja import Router

router = Router(tags=["kyc"])
