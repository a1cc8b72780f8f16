"""Servicing: the life of a financed position after the contract.

A :class:`~urikake.servicing.models.Position` is what the platform holds once a deal is funded
(today a purchased receivable of two- or three-party factoring; its product spec —
``position.spec`` — says who collects, the ageing plan and the ledger recipes). Servicing
books the funding into positions, applies collections to them, runs the two-party forwarding
report, ageing, reminders, default and write-off, and releases the holdback.

Dependency direction (issue 9): contracts > servicing > treasury. Servicing may import
treasury (payouts, the platform's cash account, perfection); treasury — cash only: payout
batches and 全銀 files, statements, deposits, matching, bank pulls — never imports servicing.
Where treasury needs positions (the open items a deposit is matched against, applying a
deposit, funding a deal), it calls the :class:`~urikake.treasury.positions.PositionBook` port,
which servicing implements and registers when the app is ready.
"""
