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

        # A pledged invoice may not be sold or guaranteed as well
        # (urikake.receivables.encumbrances).
        from django.utils.translation import gettext_lazy as _

        from urikake.lending.exposure import pledged_invoices
        from urikake.receivables.encumbrances import register_encumbrance_source

        register_encumbrance_source(
            "loan_collateral", _("担保融資の担保として差入れ中"), pledged_invoices
        )

        # Repayments arrive on the collection account: treasury's reconciliation matches them
        # through its ReceiptBook port (lending may import treasury, not the reverse).
        from urikake.lending.collections import LoanReceiptBook
        from urikake.treasury.receipt_books import register_receipt_book

        register_receipt_book(LoanReceiptBook())
