"""The pure domain core of Urikake.

Everything under ``urikake.domain`` is plain Python: no Django, no database, no network.
Money, the bank calendar, identifiers, bank formats, name matching and (later) screening,
pricing, ledger rules, reconciliation and securitization live here as frozen dataclasses and
plain functions, so that they can be unit- and property-tested in milliseconds and reused by
every Django app. An import-linter contract (``pyproject.toml``) keeps it that way.
"""
