"""Applicant pages of the receivables context: debtors and bank statements."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from urikake.applicants.access import applicant, current_organization
from urikake.domain.errors import DomainError
from urikake.domain.statement_csv import PRESETS, parse_csv
from urikake.domain.statements import Statement
from urikake.domain.zengin_statements import parse_receipt_file
from urikake.receivables import services
from urikake.receivables.forms import DebtorForm, StatementUploadForm
from urikake.receivables.models import Debtor, StatementImport
from urikake.security.uploads import validate_upload


def _parse(file_format: str, content: bytes) -> Statement:
    if file_format == "zengin":
        return parse_receipt_file(content)
    return parse_csv(content, PRESETS[file_format])


@applicant
def statements(request: HttpRequest) -> HttpResponse:
    """入出金明細: upload a statement (all or nothing; a repeat is recognised) and list them."""
    org = current_organization(request)
    assert org is not None
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file_format = form.cleaned_data["file_format"]
        kinds = {"zengin"} if file_format == "zengin" else {"csv"}
        failed = False
        # Each file is its own all-or-nothing import: one bad file does not stop the others,
        # and the page says which file failed and where.
        for upload in form.cleaned_data["statement"]:
            name = upload.name or ""
            try:
                sniffed = validate_upload(upload, kinds=kinds)
                statement = _parse(file_format, sniffed.content)
                result = services.import_statement(
                    org,
                    statement,
                    acting_user=request.user,  # type: ignore[arg-type]
                    content=sniffed.content,
                    filename=name,
                )
            except ValidationError as exc:
                failed = True
                form.add_error("statement", f"{name}: {' '.join(exc.messages)}")
            except DomainError as exc:
                failed = True
                form.add_error("statement", f"{name}: {exc}")
            else:
                if result.duplicate:
                    messages.info(
                        request,
                        _("%(name)s: この明細はすでに取り込まれています（変更はありません）。")
                        % {"name": name},
                    )
                else:
                    messages.success(
                        request,
                        _(
                            "%(name)s: %(lines)d件の明細を取り込みました（うち新しい明細 %(new)d件）。"  # noqa: E501
                        )
                        % {
                            "name": name,
                            "lines": result.statement.line_count,
                            "new": result.new_lines,
                        },
                    )
        if not failed:
            return redirect("receivables:statements")
    imports = StatementImport.objects.filter(organization=org).order_by("-created_at")[:50]
    return render(request, "receivables/statements.html", {"form": form, "imports": imports})


@applicant
def debtors(request: HttpRequest) -> HttpResponse:
    """売掛先: list and add the organisation's debtors."""
    org = current_organization(request)
    assert org is not None
    form = DebtorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_debtor(
                org,
                acting_user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                name_kana=form.cleaned_data["name_kana"],
                corporate_number=form.cleaned_data["corporate_number"],
                address=form.cleaned_data["address"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message_for(get_language()))
        else:
            messages.success(request, _("売掛先を登録しました。"))
            return redirect("receivables:debtors")
    rows = Debtor.objects.filter(organization=org).order_by("name")
    return render(request, "receivables/debtors.html", {"form": form, "debtors": rows})
