"""English for the domain errors a customer can meet, keyed by the error's stable code.

:class:`~urikake.domain.errors.DomainError` keeps its Japanese ``message`` (the API, the
logs, the audit trail and every Japanese page use it unchanged). A page read in English asks
``exc.message_for("en")``, which looks the code up here and fills in the error's ``params``
with :meth:`str.format` (so ``{limit:,}`` reads ¥-style thousands). Why a catalogue keyed by
code and not gettext on the message: many messages are built with values (「入力は12桁です」),
so the Japanese text is not a stable message id, while the code is; and the domain core
stays free of Django.

A code missing here, or an English text naming a value the error did not carry, falls back
to the Japanese message; ``tests/unit/test_domain_errors_en.py`` keeps both from happening
for the codes of the customer's road (sign-up, company, eKYC, phone, payout account,
debtors, invoices, applications, signing).
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    # 法人番号 (the company's corporate number)
    "corporate_number.required": "Enter the corporate number.",
    "corporate_number.non_digit": (
        "Enter the corporate number as 13 digits (it contains characters other than digits)."
    ),
    "corporate_number.length": (
        "Enter the corporate number as 13 digits (you entered {digits} digits)."
    ),
    "corporate_number.check_digit": (
        "The check digit of this corporate number is wrong. Please check the number."
    ),
    "corporate_number.base_format": "The base of a corporate number is 12 digits.",
    # 適格請求書発行事業者の登録番号 (invoice registration number)
    "invoice_registration_number.required": "Enter the registration number.",
    "invoice_registration_number.format": (
        "Enter the registration number as “T” followed by 13 digits."
    ),
    "invoice_registration_number.prefix": (
        "Enter the registration number as “T” followed by 13 digits (the leading “T” is missing)."
    ),
    "invoice_registration_number.non_digit": (
        "Enter the registration number as “T” followed by 13 digits "
        "(it contains characters other than digits)."
    ),
    "invoice_registration_number.length": (
        "Enter the registration number as “T” followed by 13 digits (it has {digits} digits)."
    ),
    "invoice_registration_number.check_digit": (
        "The check digit of this registration number is wrong (a corporation's registration "
        "number is “T” plus its corporate number)."
    ),
    "invoice_registration_number.corporate_number_mismatch": (
        "The registration number does not match the corporate number."
    ),
    # The payout account
    "bank_code.required": "Choose the bank.",
    "bank_code.format": "A bank code is 4 digits.",
    "bank_code.unknown": "There is no bank with the code {bank_code}.",
    "branch_code.required": "Choose the branch.",
    "branch_code.format": "A branch code is 3 digits.",
    "branch_code.unknown": (
        "{bank_name} (bank code {bank_code}) has no branch with the code {code}."
    ),
    "account_number.required": "Enter the account number.",
    "account_number.format": "Enter the account number as up to 7 digits.",
    "account_number.zero": "This account number is not valid (only zeros).",
    "account_type.invalid": "Choose the account type.",
    "holder_name.required": "Enter the account holder's name.",
    # Sign-up, terms and members
    "signup.already_registered": "This e-mail address is already registered. Please log in.",
    "signup_token.unknown": (
        "This link is not valid. Please check that you copied the whole link from the mail."
    ),
    "signup_token.expired": "This link has expired.",
    "signup_token.used": "This link has already been used.",
    "invitation.unknown": (
        "This link is not valid. Please check that you copied the whole link from the mail."
    ),
    "invitation.expired": "This link has expired.",
    "invitation.used": "This link has already been used.",
    "invitation.revoked": "This invitation has been withdrawn.",
    "consent.not_given": "You have not agreed to any terms.",
    "consent.outdated": (
        "The terms of use or the privacy policy have changed. Please read the current "
        "version and agree again."
    ),
    "data_use.not_given": "You have not agreed to this use of your data.",
    "data_use.not_member": "You may not record consent for this applicant.",
    "data_use.outdated": (
        "The purpose of use has been updated. Please read the current version and agree again."
    ),
    "membership.owner_required": "Only an owner can do this.",
    "membership.last_owner": "The last owner cannot be removed.",
    "membership.not_active": "This member has already been removed.",
    "invitation.already_member": "The person with this e-mail address is already a member.",
    "invitation.closed": "This invitation has already been used or withdrawn.",
    "invitation.other_organization": (
        "You already belong to another business, so you cannot accept this invitation."
    ),
    "invitation.staff": "An operator staff account cannot join.",
    "invitation.wrong_user": (
        "This invitation is for another e-mail address. Please log in with the address "
        "that was invited."
    ),
    "organization.already_member": "You already belong to a business.",
    # The mobile number
    "phone.not_japanese": "Enter a Japanese mobile number.",
    "phone.code_too_soon": (
        "We have just sent you a code. Please wait a minute before asking for another."
    ),
    "phone.code_limit": (
        "You have asked for the maximum number of codes. Please try again in about an hour."
    ),
    "phone.code_expired": "This code has expired. Please send a new code.",
    "phone.code_attempts": "Too many wrong codes. Please send a new code.",
    "phone.code_wrong": "The code is not correct (attempts left: {left}).",
    "notifications.sms_without_phone": "To receive SMS, first register your mobile number.",
    # eKYC
    "kyc.full_name_required": "Enter your full name.",
    "kyc.full_name_too_long": "Enter your name in at most {max} characters.",
    "kyc.birth_date_invalid": (
        "The date of birth is not valid. Enter it as written on your identity document."
    ),
    "kyc.not_verified": (
        "You cannot apply until your identity check (eKYC) is complete and valid (it lasts a "
        "year). Please complete it under Identity check on My page."
    ),
    "kyc.already_pending": "Your identity check is in progress. Please wait for the result.",
    "kyc.already_verified": "Your identity has already been verified.",
    "kyc.nothing_to_resend": "There is no identity check to send again.",
    # Debtors
    "debtor.name_required": "Enter the debtor's name.",
    "debtor.kana_required": "Enter the reading of the debtor's name in katakana.",
    "debtor.duplicate": "This debtor is already registered.",
    "debtor.is_applicant": "You cannot register your own company as a debtor.",
    # Invoices (and the PDF they are read from)
    "invoice.amount": "Enter an invoice amount of at least ¥1.",
    "invoice.amount_limit": (
        "Enter an invoice amount of at most ¥{limit:,} (the limit for one invoice)."
    ),
    "invoice.currency": "Only invoices in yen can be used.",
    "invoice.number_required": "Enter the invoice number.",
    "invoice.debtor_required": "Enter the debtor.",
    "invoice.debtor_unknown": "The debtor was not found.",
    "invoice.due_before_issue": "The due date must be after the invoice date.",
    "invoice.due_too_far": "The due date is more than a year away. Please check the date.",
    "invoice.issue_in_future": "The invoice date is in the future.",
    "invoice.tax_mismatch": (
        "The tax breakdown adds up to ¥{expected:,}, not the invoice amount of ¥{total:,}."
    ),
    "invoice.debtor_is_applicant": "You cannot name your own company as the debtor.",
    "invoice.duplicate": "This invoice is already registered.",
    "invoice_text.incomplete": (
        "Some items could not be read from the invoice. Please fill them in."
    ),
    "pdf.not_pdf": "This is not a PDF file.",
    "pdf.broken": "The PDF file is damaged and cannot be read.",
    "pdf.encrypted": (
        "A password-protected (encrypted) PDF cannot be read. Please upload it without "
        "the protection."
    ),
    "pdf.no_text": "No text could be read from the PDF (scanned images are not supported).",
    "pdf.too_large": "The PDF file is too large (at most 20 MB).",
    # Applications and offers
    "application.product": "Choose a product.",
    "application.no_invoices": "Choose the invoices.",
    "application.invoice_unknown": "The invoice was not found.",
    "invoice.encumbered": (
        "Invoice {number} is {held_by_label}, so it cannot be used here."
        " One invoice cannot be financed twice."
    ),
    "application.amount": (
        "Enter an amount of at least ¥1 and at most the invoices' total (¥{face:,})."
    ),
    "application.offer_expired": "The offer has expired. Please apply again.",
    # Signing
    "contract.not_accepted": "Only an application whose offer you accepted can be signed.",
    "contract.not_signable": "This application cannot be signed in its current state.",
    "contract.owner_only": "Only an owner of the applicant can sign the contract.",
    "contract.documents_changed": (
        "The contract documents have changed since you opened them. Please review them again."
    ),
}


def english(code: str, params: dict[str, object]) -> str | None:
    """The English text of the error ``code`` with ``params`` filled in; None if there is
    none (or it names a value the error did not carry)."""
    template = ENGLISH.get(code)
    if template is None:
        return None
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return None
