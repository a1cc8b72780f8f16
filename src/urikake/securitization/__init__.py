"""Securitization (証券化): pools of positions, structures, analyses and reports.

The numbers live in :mod:`urikake.domain.securitization`; this app stores pools (frozen,
audited selections with a cut-off date), records the true sale through the ledger, serves the
back-office pages and the ``urikake securitize`` command. See docs/securitization.md.
"""
