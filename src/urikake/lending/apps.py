from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "urikake.lending"
    label = "lending"
    verbose_name = "売掛債権担保融資"

    def ready(self) -> None:
        # Pledged collateral counts in the platform-wide exposure per debtor
        # (urikake.receivables.exposure).
        from urikake.lending.exposure import pledged_collateral
        from urikake.receivables.exposure import register_exposure_source

        register_exposure_source("loan_collateral", pledged_collateral)

        # Repayments arrive on the collection account: treasury's reconciliation matches them
        # through its ReceiptBook port (lending may import treasury, not the reverse).
        from urikake.lending.collections import LoanReceiptBook
        from urikake.treasury.receipt_books import register_receipt_book

        register_receipt_book(LoanReceiptBook())
