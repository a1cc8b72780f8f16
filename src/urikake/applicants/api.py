"""API routes of the applicants app (mounted at /api/applicants/)."""

from ninja import Router

router = Router(tags=["applicants"])
