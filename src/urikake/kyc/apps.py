from django.apps import AppConfig


class KycConfig(AppConfig):
    name = "urikake.kyc"
    label = "kyc"
    verbose_name = "本人確認 (eKYC)"

    def ready(self) -> None:
        # The applicants' checklist shows the eKYC line; applicants (a lower layer) asks
        # for it through this registration instead of importing kyc.
        from urikake.applicants.onboarding import provide_kyc_item
        from urikake.kyc.services import onboarding_item

        provide_kyc_item(onboarding_item)
