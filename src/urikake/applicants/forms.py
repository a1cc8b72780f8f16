"""Forms of the sign-up and onboarding pages: they validate and normalise, services change.

Identifiers are validated by the domain core (``urikake.domain``); its Japanese messages are
shown as they are, next to the field they name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import jaconv
import phonenumbers
from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from urikake.accounts.models import User
from urikake.applicants import terms
from urikake.applicants.models import Industry, Organization
from urikake.applicants.services import (
    ALLOWED_ACCOUNT_TYPES,
    NOTIFICATION_FIELDS,
    PayoutDraft,
    ProfileData,
    draft_payout_account,
)
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_corporate_number


class Form(forms.Form):
    """Django's Form without the ":" after labels (Japanese forms do not use one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


# ---------------------------------------------------------------------------------------
# Consent (sign-up, invitation sign-up, re-consent)
# ---------------------------------------------------------------------------------------


class ConsentFieldsMixin(Form):
    """Two required checkboxes plus the versions the page showed (hidden).

    The versions travel with the form so that a text published between showing the page and
    submitting it is detected (the service refuses outdated versions) rather than recorded
    as agreed.
    """

    agree_terms = forms.BooleanField(
        label=_("利用規約に同意します"),
        error_messages={"required": _("利用規約への同意が必要です")},
    )
    agree_privacy = forms.BooleanField(
        label=_("プライバシーポリシーに同意します"),
        error_messages={"required": _("プライバシーポリシーへの同意が必要です")},
    )
    terms_version = forms.CharField(widget=forms.HiddenInput, max_length=20)
    privacy_version = forms.CharField(widget=forms.HiddenInput, max_length=20)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = terms.current_versions()
        self.fields["terms_version"].initial = current["terms"]
        self.fields["privacy_version"].initial = current["privacy"]


class SignupForm(ConsentFieldsMixin):
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    field_order = ["email", "agree_terms", "agree_privacy"]


class ConsentForm(ConsentFieldsMixin):
    pass


# ---------------------------------------------------------------------------------------
# Password
# ---------------------------------------------------------------------------------------


class SetPasswordForm(Form):
    """New password for a user not created yet (so the validators get an unsaved User)."""

    password1 = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        # Evaluated per form: the validators' help texts may depend on settings.
        help_text = password_validation.password_validators_help_text_html()
        self.fields["password1"].help_text = help_text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("確認用のパスワードが一致しません"))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.email))
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class InvitationSignupForm(SetPasswordForm, ConsentFieldsMixin):
    field_order = ["password1", "password2", "agree_terms", "agree_privacy"]


# ---------------------------------------------------------------------------------------
# Profile
# ---------------------------------------------------------------------------------------

# Full-width katakana, the prolonged sound mark, the middle dot and spaces.
_KANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u3000 ]")


def normalize_kana(value: str) -> str:
    """Half-width → full-width (NFKC) and hiragana → katakana; then only katakana may remain."""
    text = jaconv.hira2kata(unicodedata.normalize("NFKC", value)).strip()
    text = re.sub(r"[\s\u3000]+", " ", text)
    for char in text:
        if not _KANA.fullmatch(char):
            raise forms.ValidationError(
                _("フリガナは全角カタカナで入力してください（「%(char)s」は使えません）"),
                params={"char": char},
                code="kana",
            )
    return text


class KindForm(Form):
    kind = forms.ChoiceField(
        label=_("事業形態"), choices=Organization.Kind.choices, widget=forms.RadioSelect
    )


def _year_choices() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    year = gettext("%(year)s年")  # per request: the reader's language
    return [("", "---")] + [(str(y), year % {"year": y}) for y in range(this_year, 1867, -1)]


def _month_choices() -> list[tuple[str, str]]:
    month = gettext("%(month)s月")
    return [("", "---")] + [(str(m), month % {"month": m}) for m in range(1, 13)]


class _ProfileForm(Form):
    kind: str
    industry = forms.ChoiceField(label=_("業種"), choices=[("", "---"), *Industry.choices])
    address = forms.CharField(
        label=_("所在地"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    established_year = forms.TypedChoiceField(label=_("設立年"), coerce=int, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["established_year"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = _year_choices()

    @classmethod
    def initial_from(cls, org: Organization) -> dict[str, Any]:
        return {
            "name": org.name,
            "name_kana": org.name_kana,
            "trade_name": org.trade_name,
            "corporate_number": org.corporate_number,
            "address": org.address,
            "representative_name": org.representative_name,
            "industry": org.industry,
            "established_year": org.established_year,
            "established_month": org.established_month,
        }

    def clean_name_kana(self) -> str:
        return normalize_kana(self.cleaned_data["name_kana"])


class CorporationProfileForm(_ProfileForm):
    kind = Organization.Kind.CORPORATION
    name = forms.CharField(
        label=_("商号"),
        max_length=200,
        help_text=_("登記どおりに入力してください（例：株式会社ウリカケ）"),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    name_kana = forms.CharField(
        label=_("商号フリガナ"),
        max_length=200,
        help_text=_(
            "全角カタカナ。「株式会社」なども含めて入力してください"
            "（例：カブシキガイシャウリカケ）。振込先口座の名義との照合に使います"
        ),
    )
    corporate_number = forms.CharField(
        label=_("法人番号"),
        max_length=20,
        help_text=_("13桁の数字。国税庁 法人番号公表サイトで確認できます"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    representative_name = forms.CharField(label=_("代表者氏名"), max_length=150)
    established_month = forms.TypedChoiceField(
        label=_("設立月"),
        coerce=int,
        choices=_month_choices,
    )
    field_order = [
        "name",
        "name_kana",
        "corporate_number",
        "address",
        "representative_name",
        "industry",
        "established_year",
        "established_month",
    ]

    def clean_corporate_number(self) -> str:
        try:
            return parse_corporate_number(self.cleaned_data["corporate_number"]).value
        except DomainError as exc:
            hint = ""
            if exc.code == "corporate_number.check_digit":
                hint = str(_("。番号に誤りがないか、法人番号公表サイトでご確認ください"))
            raise forms.ValidationError(
                exc.message_for(get_language()) + hint, code=exc.code
            ) from exc

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, month = cleaned.get("established_year"), cleaned.get("established_month")
        today = timezone.localdate()
        if year and month and (year, month) > (today.year, today.month):
            self.add_error("established_month", _("設立年月が未来になっています"))
        return cleaned

    def profile_data(self) -> ProfileData:
        d = self.cleaned_data
        return ProfileData(
            kind=self.kind,
            name=d["name"].strip(),
            name_kana=d["name_kana"],
            corporate_number=d["corporate_number"],
            address=d["address"].strip(),
            representative_name=d["representative_name"].strip(),
            industry=d["industry"],
            established_year=d["established_year"],
            established_month=d["established_month"],
        )


class SoleProprietorProfileForm(_ProfileForm):
    kind = Organization.Kind.SOLE_PROPRIETOR
    trade_name = forms.CharField(
        label=_("屋号"),
        max_length=200,
        required=False,
        help_text=_("屋号がない場合は空欄のままで構いません"),
    )
    representative_name = forms.CharField(
        label=_("氏名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    name_kana = forms.CharField(
        label=_("氏名フリガナ"),
        max_length=200,
        help_text=_("全角カタカナ（例：ヤマダ タロウ）"),
    )
    field_order = [
        "trade_name",
        "representative_name",
        "name_kana",
        "address",
        "industry",
        "established_year",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["established_year"].label = _("開業年")
        self.fields["address"].label = _("事業所の所在地")

    def profile_data(self) -> ProfileData:
        d = self.cleaned_data
        return ProfileData(
            kind=self.kind,
            trade_name=d["trade_name"].strip(),
            representative_name=d["representative_name"].strip(),
            name_kana=d["name_kana"],
            address=d["address"].strip(),
            industry=d["industry"],
            established_year=d["established_year"],
        )


def profile_form_class(kind: str) -> type[CorporationProfileForm | SoleProprietorProfileForm]:
    if kind == Organization.Kind.CORPORATION:
        return CorporationProfileForm
    return SoleProprietorProfileForm


# ---------------------------------------------------------------------------------------
# Phone
# ---------------------------------------------------------------------------------------


class PhoneForm(Form):
    phone = forms.CharField(
        label=_("携帯電話番号"),
        max_length=30,
        help_text=_("070・080・090で始まる番号（例：090-1234-5678）"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel-national"}),
    )

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"]
        message = _("日本の携帯電話番号を正しく入力してください（例：090-1234-5678）")
        try:
            number = phonenumbers.parse(raw, "JP")
        except phonenumbers.NumberParseException as exc:
            raise forms.ValidationError(message, code="invalid") from exc
        if not phonenumbers.is_valid_number(number) or number.country_code != 81:
            raise forms.ValidationError(message, code="invalid")
        # SMS notices need a mobile line: landlines, 050 IP phones and 020 pagers are refused.
        if phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
            raise forms.ValidationError(
                _("携帯電話番号（070・080・090で始まる番号）を入力してください"),
                code="not_mobile",
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_national(e164: str) -> str:
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# ---------------------------------------------------------------------------------------
# Payout account
# ---------------------------------------------------------------------------------------


class BankSearchForm(Form):
    bank_q = forms.CharField(
        label=_("金融機関名または金融機関コード"),
        max_length=50,
        help_text=_("例：みずほ、ミズホ、0001"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class BranchSearchForm(Form):
    branch_q = forms.CharField(
        label=_("支店名または支店コード"),
        max_length=50,
        help_text=_("例：東京営業部、トウキヨウ、001"),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class PayoutAccountForm(Form):
    bank_code = forms.CharField(widget=forms.HiddenInput, max_length=4)
    branch_code = forms.CharField(widget=forms.HiddenInput, max_length=3)
    account_type = forms.TypedChoiceField(
        label=_("預金種目"),
        coerce=int,
        choices=[(t.value, _(t.label)) for t in ALLOWED_ACCOUNT_TYPES],
        initial=1,
        widget=forms.RadioSelect,
    )
    account_number = forms.CharField(
        label=_("口座番号"),
        max_length=20,
        help_text=_("7桁以内の数字"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    holder_name = forms.CharField(
        label=_("口座名義"),
        max_length=200,
        help_text=_(
            "通帳に記載のとおりカタカナで入力してください（例：カブシキガイシャウリカケ）。"
            "「株式会社」などは銀行で使う略語（「ｶ)」など）に自動で変換します"
        ),
    )
    # Set by the confirmation page's button: the first submission only shows the result of
    # the conversion (and any warning) for the applicant to check.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.draft: PayoutDraft | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.draft = draft_payout_account(
                self.organization,
                bank_code=cleaned["bank_code"],
                branch_code=cleaned["branch_code"],
                account_type=cleaned["account_type"],
                account_number=cleaned["account_number"],
                holder_name=cleaned["holder_name"],
            )
        except DomainError as exc:
            field = exc.field if exc.field in {"account_number", "holder_name"} else None
            self.add_error(field, exc.message_for(get_language()))
        return cleaned


# ---------------------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------------------


class NotificationSettingsForm(Form):
    email_screening = forms.BooleanField(label=_("審査結果"), required=False)
    email_payment = forms.BooleanField(label=_("入金"), required=False)
    email_contract = forms.BooleanField(label=_("契約"), required=False)
    email_news = forms.BooleanField(label=pgettext_lazy("mail topic", "お知らせ"), required=False)
    sms_important = forms.BooleanField(
        label=_("重要なお知らせをSMSで受け取る"),
        required=False,
        help_text=_("登録した携帯電話番号に送ります"),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        if not organization.contact_phone:
            self.fields["sms_important"].disabled = True
            self.fields["sms_important"].help_text = _(
                "SMSで受け取るには、先に携帯電話番号を登録してください"
            )

    def choices(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in NOTIFICATION_FIELDS}


# ---------------------------------------------------------------------------------------
# Members
# ---------------------------------------------------------------------------------------


class InviteForm(Form):
    email = forms.EmailField(
        label=_("招待する方のメールアドレス"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
