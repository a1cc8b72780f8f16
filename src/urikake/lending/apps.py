from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "urikake.lending"
    label = "lending"
    verbose_name = "売掛債権担保融資"

    def ready(self) -> None:
        # Repayments arrive on the collection account: treasury's reconciliation matches them
        # through its ReceiptBook port (lending may import treasury, not the reverse).
        from urikake.lending.collections import LoanReceiptBook
        from urikake.treasury.receipt_books import register_receipt_book

        register_receipt_book(LoanReceiptBook())
