"""``demo_samples``: where the demo's sample files are, for the pages that use them.

Pages below this layer (the invoice page, the statement imports) show a "try a sample" link
when ``demo_samples`` is set, without knowing where samples come from; in production it is
empty and the links disappear."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def demo_samples(request: HttpRequest) -> dict[str, object]:
    if settings.PRODUCTION:
        return {"demo_samples": {}}
    return {
        "demo_samples": {
            "invoice_pdf": reverse("samples:invoice_pdf"),
            "invoice_xml": reverse("samples:invoice_xml"),
            "statement_csv": reverse("samples:statement_csv"),
            "collection_statement": reverse("samples:collection_statement_txt"),
        }
    }
