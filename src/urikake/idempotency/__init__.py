"""Idempotency keys for API calls: one effect per key, the same answer to every retry."""
