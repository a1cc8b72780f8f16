from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "urikake.contracts"
    label = "contracts"
    verbose_name = "電子契約"

    def ready(self) -> None:
        # Accepting an offer prepares the deal's documents in the same transaction, so that
        # reading them (page or API) never has to write.
        from urikake.contracts.services import prepare_on_acceptance
        from urikake.receivables.services import on_offer_accepted

        on_offer_accepted(prepare_on_acceptance)
