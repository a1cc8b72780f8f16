"""Contract documents (PDF) of a financing application and the applicant's signature.

The PDFs are stored in the database (``BinaryField``), not under MEDIA: they are evidence,
a few tens of kilobytes each, and must commit or roll back together with the rows that
describe them (a file written by a transaction that rolled back would be an orphan, a file
deleted by hand would leave a row pointing at nothing).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractDocument(models.Model):
    """One PDF of a deal: generated once (unsigned), then sealed by the platform (PAdES)."""

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("債権売買契約書")
        NOTICE = "notice", _("債権譲渡通知書")
        CONSENT = "consent", _("債権譲渡承諾書")

    application = models.ForeignKey(
        "receivables.FinancingApplication",
        on_delete=models.PROTECT,
        related_name="contract_documents",
    )
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="contract_documents"
    )
    # The notice and the consent are addressed to one debtor each; the agreement to none.
    debtor = models.ForeignKey(
        "receivables.Debtor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("種類", max_length=20, choices=Kind.choices)
    document_number = models.CharField("文書番号", max_length=40, unique=True)
    title = models.CharField("表題", max_length=100)
    pdf = models.BinaryField("PDF（署名前）")
    sha256 = models.CharField("SHA-256（署名前）", max_length=64)
    signed_pdf = models.BinaryField("PDF（電子署名済み）", null=True, blank=True)
    signed_sha256 = models.CharField("SHA-256（電子署名済み）", max_length=64, blank=True)
    signed_at = models.DateTimeField("電子署名日時", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "契約書類"
        verbose_name_plural = "契約書類"
        ordering = ["application_id", "document_number"]
        indexes = [
            models.Index(fields=["organization", "application"], name="contract_doc_org_app")
        ]

    def __str__(self) -> str:
        return self.document_number

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class ContractSignature(models.Model):
    """The applicant's agreement to a deal's documents: who, when, from where, to what.

    One per application (the database refuses a second), written in the same transaction
    that seals the PDFs and moves the application to ``contracted``.
    """

    application = models.OneToOneField(
        "receivables.FinancingApplication",
        on_delete=models.PROTECT,
        related_name="contract_signature",
    )
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="+"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("同意日時")
    reauthenticated_at = models.DateTimeField("再認証日時", null=True, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    user_agent = models.CharField("ユーザーエージェント", max_length=500, blank=True)
    # {document_number: sha256 of the unsigned PDF the signer saw and agreed to}
    document_hashes = models.JSONField("同意した文書のSHA-256")

    class Meta:
        verbose_name = "契約への同意（電子署名）"
        verbose_name_plural = "契約への同意（電子署名）"

    def __str__(self) -> str:
        return f"contract_signature:{self.pk}"
