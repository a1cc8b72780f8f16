"""Every state change of the applicants app: sign-up, consent, organisation, payout, members.

Conventions (docs/architecture.md): one function per change, one transaction, the acting user
explicit and keyword-only (``None`` for the anonymous steps of sign-up), exactly one
``audit.record`` in that transaction, and mail sent only after commit. Audit payloads carry
ids, codes, versions and flags — never e-mail addresses, names, phone or account numbers.

Rule violations raise :class:`~urikake.domain.errors.DomainError` (code + Japanese message)
and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import password_validation
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from urikake.accounts.fixed_reads import SqlText
from urikake.accounts.models import User
from urikake.accounts.services import language_of, supported_language
from urikake.applicants import data_use, terms
from urikake.applicants.models import (
    Consent,
    DataUseConsent,
    Invitation,
    Membership,
    NotificationSettings,
    Organization,
    PayoutAccount,
    SignupToken,
)
from urikake.applicants.tokens import hash_token, new_token
from urikake.audit import services as audit
from urikake.domain.bank_codes import BankInfo, BranchInfo, lookup_bank, lookup_branch
from urikake.domain.email_address import normalise_email
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import AccountType, parse_account_number
from urikake.domain.name_matching import STRONG_MATCH, name_similarity
from urikake.domain.zengin_charset import to_zengin
from urikake.mail import services as mail

SIGNUP_TOKEN_LIFETIME = timedelta(minutes=30)
INVITATION_LIFETIME = timedelta(days=7)
# 総合振込's 受取人名 field is 30 characters: a longer 全銀 name would be cut by the bank.
HOLDER_KANA_MAX_LENGTH = 30


def _email_registered(email: str) -> bool:
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )


# ---------------------------------------------------------------------------------------
# Mail (always after commit)
# ---------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _mail_on_commit(template: str, to: str, *, language: str | None = None, **context: Any) -> None:
    """Rendered now (in ``language``: a known user's own; else the language of the request,
    i.e. of the person signing up or inviting), delivered after commit in the background."""
    mail.send(to, f"applicants/email/{template}", context, language=language)


# ---------------------------------------------------------------------------------------
# Links: sign-up tokens and invitations
# ---------------------------------------------------------------------------------------


def _link_error(kind: str, state: str) -> DomainError:
    messages = {
        "unknown": "このリンクは無効です。メールのリンクを最後までコピーしたかご確認ください",
        "expired": "このリンクは有効期限が切れています",
        "used": "このリンクは既に使用されています",
        "revoked": "この招待は取り消されました",
    }
    return DomainError(f"{kind}.{state}", messages[state])


def check_signup_token(raw: str) -> SignupToken:
    """The pending sign-up for a link token, or DomainError (unknown/expired/used). Read-only."""
    token = SignupToken.objects.filter(token_hash=hash_token(raw)).first()
    if token is None:
        raise _link_error("signup_token", "unknown")
    if token.used_at is not None:
        raise _link_error("signup_token", "used")
    if token.expires_at <= timezone.now():
        raise _link_error("signup_token", "expired")
    return token


def check_invitation(raw: str) -> Invitation:
    """The open invitation for a link token, or DomainError. Read-only."""
    invitation = (
        Invitation.objects.select_related("organization").filter(token_hash=hash_token(raw)).first()
    )
    if invitation is None:
        raise _link_error("invitation", "unknown")
    if invitation.revoked_at is not None:
        raise _link_error("invitation", "revoked")
    if invitation.accepted_at is not None:
        raise _link_error("invitation", "used")
    if invitation.expires_at <= timezone.now():
        raise _link_error("invitation", "expired")
    return invitation


def _check_versions(terms_version: str, privacy_version: str) -> None:
    current = terms.current_versions()
    if (terms_version, privacy_version) != (current["terms"], current["privacy"]):
        raise DomainError(
            "consent.outdated",
            "利用規約またはプライバシーポリシーが改定されました。最新の内容をご確認のうえ、"
            "もう一度同意してください",
        )


def start_signup(email: str, *, ip: str | None, terms_version: str, privacy_version: str) -> None:
    """Mail a verification link (or, for a known address, an "already registered" notice).

    The caller shows the same page either way, so the response never reveals whether an
    address has an account. ``terms_version``/``privacy_version`` are the versions shown on
    the form the person ticked; they must still be current.
    """
    email = normalise_email(email)
    _check_versions(terms_version, privacy_version)
    now = timezone.now()
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=email).first()
        if existing is None and _email_registered(email):
            existing = EmailAddress.objects.get(email__iexact=email, verified=True).user
        if existing is not None:
            audit.record("signup.already_registered", actor=None, obj=existing)
            _mail_on_commit(
                "already_registered",
                email,
                language=language_of(existing),
                login_url=_absolute(reverse("account_login")),
                reset_url=_absolute(reverse("account_reset_password")),
            )
            return
        raw, digest = new_token()
        token = SignupToken.objects.create(
            token_hash=digest,
            email=email,
            created_at=now,
            expires_at=now + SIGNUP_TOKEN_LIFETIME,
            terms_version=terms_version,
            privacy_version=privacy_version,
            ip=ip,
        )
        audit.record(
            "signup.started",
            actor=None,
            obj=token,
            payload={"terms_version": terms_version, "privacy_version": privacy_version},
        )
        _mail_on_commit(
            "signup_verify",
            email,
            url=_absolute(reverse("applicants:signup_verify", args=[raw])),
            minutes=int(SIGNUP_TOKEN_LIFETIME.total_seconds() // 60),
        )


def _create_user(email: str, password: str, language: str) -> User:
    """User + verified primary EmailAddress (allauth's record that the address is proven),
    reading the site in ``language`` (the one they signed up in: mail and SMS follow it)."""
    if _email_registered(email):
        raise DomainError(
            "signup.already_registered",
            "このメールアドレスは既に登録されています。ログインしてください",
        )
    user = User.objects.create_user(
        email=email, password=password, preferred_language=supported_language(language)
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _record_consents(
    user: User, *, versions: Mapping[str, str], at: Any, ip: str | None, action: str
) -> None:
    Consent.objects.bulk_create(
        Consent(user=user, document=doc, version=version, action=action, at=at, ip=ip)
        for doc, version in versions.items()
    )


def complete_signup(raw_token: str, *, password: str, language: str = "ja") -> User:
    """Set the password for a verified sign-up link: creates the user, once.

    The token is consumed by a conditional UPDATE (``used_at IS NULL``), so two tabs
    submitting the same link cannot both create an account: the second sees "used". The
    consents recorded are the ones ticked on the sign-up form (its time and IP).
    """
    try:
        with transaction.atomic():
            token = check_signup_token(raw_token)
            password_validation.validate_password(password, User(email=token.email))
            now = timezone.now()
            consumed = SignupToken.objects.filter(
                pk=token.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now)
            if consumed != 1:
                raise _link_error("signup_token", "used")
            user = _create_user(token.email, password, language)
            _record_consents(
                user,
                versions={"terms": token.terms_version, "privacy": token.privacy_version},
                at=token.created_at,
                ip=token.ip,
                action=Consent.Action.GIVEN,
            )
            # Other links requested for the same address are now pointless: close them.
            SignupToken.objects.filter(email=token.email, used_at__isnull=True).update(used_at=now)
            audit.record(
                "account.created",
                actor=user,
                obj=user,
                payload={
                    "via": "signup",
                    "signup_token_id": token.pk,
                    "terms_version": token.terms_version,
                    "privacy_version": token.privacy_version,
                },
            )
    except IntegrityError as exc:
        # A concurrent sign-up of the same address won the unique constraint.
        raise DomainError(
            "signup.already_registered",
            "このメールアドレスは既に登録されています。ログインしてください",
        ) from exc
    return user


# ---------------------------------------------------------------------------------------
# Consent
# ---------------------------------------------------------------------------------------


def consent_state(user: Any) -> dict[str, Consent | None]:
    """The latest consent row per document (None if never given)."""
    state: dict[str, Consent | None] = {str(doc.value): None for doc in terms.Document}
    for row in Consent.objects.filter(user=user).order_by("at", "pk"):
        state[row.document] = row
    return state


def _consent_sql(db: Any) -> str:
    qn = db.ops.quote_name
    return (
        f"SELECT {qn('document')}, {qn('version')}, {qn('action')} "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
        f"FROM {qn(Consent._meta.db_table)} WHERE {qn('user_id')} = %s "
        f"ORDER BY {qn('at')} ASC, {qn('id')} ASC"
    )


# consent_state's rows, only the three columns the check reads; asked on every applicant page
# (urikake.applicants.middleware), so sent without the ORM building it each time
_CONSENT_READ = SqlText(_consent_sql)


def has_current_consent(user: Any) -> bool:
    current = terms.current_versions()
    latest: dict[str, tuple[str, str] | None] = {str(doc.value): None for doc in terms.Document}
    with connection.cursor() as cursor:
        cursor.execute(_CONSENT_READ(connection), [user.pk])
        for document, version, action in cursor.fetchall():
            latest[document] = (version, action)
    return all(
        row is not None and row[1] == Consent.Action.GIVEN and row[0] == current[doc]
        for doc, row in latest.items()
    )


def give_consent(
    *, acting_user: User, ip: str | None, terms_version: str, privacy_version: str
) -> None:
    """Agree to the current 利用規約 and プライバシーポリシー (versions as shown on the form)."""
    _check_versions(terms_version, privacy_version)
    with transaction.atomic():
        versions = {"terms": terms_version, "privacy": privacy_version}
        _record_consents(
            acting_user, versions=versions, at=timezone.now(), ip=ip, action=Consent.Action.GIVEN
        )
        audit.record(
            "consent.given",
            actor=acting_user,
            obj=acting_user,
            payload={"terms_version": terms_version, "privacy_version": privacy_version},
        )


def withdraw_consent(*, acting_user: User, ip: str | None) -> None:
    """Withdraw agreement to both documents; applicant pages then ask for it again."""
    with transaction.atomic():
        state = consent_state(acting_user)
        versions = {
            doc: row.version
            for doc, row in state.items()
            if row is not None and row.action == Consent.Action.GIVEN
        }
        if not versions:
            raise DomainError("consent.not_given", "同意している規約はありません")
        _record_consents(
            acting_user,
            versions=versions,
            at=timezone.now(),
            ip=ip,
            action=Consent.Action.WITHDRAWN,
        )
        audit.record(
            "consent.withdrawn",
            actor=acting_user,
            obj=acting_user,
            payload={f"{doc}_version": v for doc, v in versions.items()},
        )


# ---------------------------------------------------------------------------------------
# Consent to external data uses (反社チェック, 信用情報): see urikake.applicants.data_use
# ---------------------------------------------------------------------------------------


def data_use_consents(organization: Organization) -> dict[str, DataUseConsent | None]:
    """The latest consent row per external data use (None if never given)."""
    state: dict[str, DataUseConsent | None] = {str(u.value): None for u in data_use.Use}
    for row in DataUseConsent.objects.filter(organization=organization).order_by("at", "pk"):
        state[row.use] = row
    return state


def _consents_to_current(row: DataUseConsent | None, use: data_use.Use) -> bool:
    return (
        row is not None
        and row.action == DataUseConsent.Action.GIVEN
        and row.version == data_use.current(use).version
    )


def has_data_use_consent(organization: Organization, use: data_use.Use) -> bool:
    """Whether the organisation's latest word on ``use`` is consent to its current text."""
    return _consents_to_current(data_use_consents(organization)[str(use.value)], use)


def missing_data_use_consents(organization: Organization) -> list[data_use.Use]:
    rows = data_use_consents(organization)  # one query for every use
    return [u for u in data_use.Use if not _consents_to_current(rows[str(u.value)], u)]


def give_data_use_consent(
    organization: Organization,
    uses: list[data_use.Use],
    *,
    acting_user: User,
    ip: str | None,
    versions: Mapping[str, str] | None = None,
) -> None:
    """Record a member's consent, for the organisation, to each use's current purpose text.

    ``versions`` (use → version, as shown on the form) must match the current texts: a text
    that changed while the form was open is not agreed to silently.
    """
    if membership_of(acting_user, organization) is None:
        raise DomainError("data_use.not_member", "この申込者の同意を記録する権限がありません。")
    now = timezone.now()
    with transaction.atomic():
        rows = []
        for use in uses:
            purpose = data_use.current(use)
            if versions is not None and versions.get(str(use.value)) != purpose.version:
                raise DomainError(
                    "data_use.outdated",
                    "利用目的の内容が更新されました。最新の内容をご確認のうえ、もう一度同意してください。",
                )
            rows.append(
                DataUseConsent(
                    organization=organization,
                    use=use.value,
                    version=purpose.version,
                    action=DataUseConsent.Action.GIVEN,
                    given_by=acting_user,
                    at=now,
                    ip=ip,
                )
            )
        if not rows:
            return
        DataUseConsent.objects.bulk_create(rows)
        audit.record(
            "data_use_consent.given",
            actor=acting_user,
            obj=organization,
            payload={"uses": {r.use: r.version for r in rows}},
        )


def withdraw_data_use_consent(
    organization: Organization, use: data_use.Use, *, acting_user: User, ip: str | None
) -> None:
    """Withdraw consent to one use: later screenings do not ask that vendor (they refer)."""
    if membership_of(acting_user, organization) is None:
        raise DomainError("data_use.not_member", "この申込者の同意を記録する権限がありません。")
    with transaction.atomic():
        if not has_data_use_consent(organization, use):
            raise DomainError("data_use.not_given", "この利用目的には同意していません。")
        DataUseConsent.objects.create(
            organization=organization,
            use=use.value,
            version=data_use.current(use).version,
            action=DataUseConsent.Action.WITHDRAWN,
            given_by=acting_user,
            at=timezone.now(),
            ip=ip,
        )
        audit.record(
            "data_use_consent.withdrawn",
            actor=acting_user,
            obj=organization,
            payload={"use": use.value},
        )


# ---------------------------------------------------------------------------------------
# Organisation
# ---------------------------------------------------------------------------------------


def membership_of(user: Any, organization: Organization) -> Membership | None:
    return Membership.objects.filter(user=user, organization=organization, is_active=True).first()


def is_owner(user: Any, organization: Organization) -> bool:
    membership = membership_of(user, organization)
    return membership is not None and membership.is_owner


def _require_owner(organization: Organization, user: User) -> None:
    if not is_owner(user, organization):
        raise DomainError("membership.owner_required", "この操作はオーナーのみ行えます")


@dataclass(frozen=True)
class ProfileData:
    """The profile step's answers, already validated by the form."""

    kind: str
    name_kana: str
    representative_name: str
    address: str
    industry: str
    established_year: int | None
    name: str = ""  # 商号 (corporation)
    corporate_number: str = ""  # canonical 13 digits (corporation)
    established_month: int | None = None  # corporation
    trade_name: str = ""  # 屋号 (sole proprietor, optional)

    def fields(self) -> dict[str, Any]:
        corporation = self.kind == Organization.Kind.CORPORATION
        return {
            "kind": self.kind,
            # A sole proprietor without a 屋号 is known by their own name.
            "name": self.name if corporation else (self.trade_name or self.representative_name),
            "name_kana": self.name_kana,
            "trade_name": "" if corporation else self.trade_name,
            "corporate_number": self.corporate_number if corporation else "",
            "address": self.address,
            "representative_name": self.representative_name,
            "industry": self.industry,
            "established_year": self.established_year,
            "established_month": self.established_month if corporation else None,
        }


def save_profile(
    organization: Organization | None, data: ProfileData, *, acting_user: User
) -> Organization:
    """Create the user's organisation (they become its owner) or update its profile."""
    with transaction.atomic():
        values = data.fields()
        if organization is None:
            if Membership.objects.filter(user=acting_user, is_active=True).exists():
                raise DomainError("organization.already_member", "既に事業者に所属しています")
            organization = Organization.objects.create(created_by=acting_user, **values)
            Membership.objects.create(
                user=acting_user, organization=organization, role=Membership.Role.OWNER
            )
            audit.record(
                "organization.created",
                actor=acting_user,
                obj=organization,
                payload={"kind": organization.kind},
            )
            return organization
        _require_owner(organization, acting_user)
        changed = [k for k, v in values.items() if getattr(organization, k) != v]
        for key, value in values.items():
            setattr(organization, key, value)
        organization.save()
        audit.record(
            "organization.profile_updated",
            actor=acting_user,
            obj=organization,
            payload={"changed_fields": changed},
        )
        return organization


def set_contact_phone(organization: Organization, phone_e164: str, *, acting_user: User) -> None:
    """Store the 携帯電話番号 (E.164, validated by the form with ``phonenumbers``)."""
    if not phone_e164.startswith("+81"):
        raise DomainError("phone.not_japanese", "日本の携帯電話番号を入力してください")
    with transaction.atomic():
        _require_owner(organization, acting_user)
        had_phone = bool(organization.contact_phone)
        organization.contact_phone = phone_e164
        organization.save(update_fields=["contact_phone", "updated_at"])
        audit.record(
            "organization.phone_updated",
            actor=acting_user,
            obj=organization,
            payload={"replaced": had_phone},
        )


# ---------------------------------------------------------------------------------------
# Payout account
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutDraft:
    """A payout account checked against the domain rules, ready to confirm and save.

    Build it only with :func:`draft_payout_account`.
    """

    bank: BankInfo
    branch: BranchInfo
    account_type: AccountType
    account_number: str  # 7 digits
    holder_name: str
    holder_kana: str  # 全銀 characters, legal form abbreviated
    similarity: float | None = field(default=None)  # to 商号フリガナ; None for individuals

    @property
    def holder_mismatch(self) -> bool:
        return self.similarity is not None and self.similarity < STRONG_MATCH


ALLOWED_ACCOUNT_TYPES = (AccountType.ORDINARY, AccountType.CURRENT, AccountType.SAVINGS)


def draft_payout_account(
    organization: Organization,
    *,
    bank_code: str,
    branch_code: str,
    account_type: int | str,
    account_number: str,
    holder_name: str,
) -> PayoutDraft:
    """Validate a payout account with the domain core, or raise DomainError (with ``field``)."""
    branch = lookup_branch(bank_code, branch_code)
    bank_info = lookup_bank(branch.bank_code)
    try:
        kind = AccountType(int(account_type))
    except ValueError:
        kind = AccountType.OTHER
    if kind not in ALLOWED_ACCOUNT_TYPES:
        raise DomainError("account_type.invalid", "預金種目を選んでください", field="account_type")
    number = parse_account_number(account_number)
    if not holder_name.strip():
        raise DomainError("holder_name.required", "口座名義を入力してください", field="holder_name")
    kana = to_zengin(
        holder_name,
        abbreviate_legal_form=True,
        max_length=HOLDER_KANA_MAX_LENGTH,
        field="holder_name",
    )
    similarity = None
    if organization.is_corporation and organization.name_kana:
        similarity = name_similarity(kana, organization.name_kana)
    return PayoutDraft(
        bank=bank_info,
        branch=branch,
        account_type=kind,
        account_number=number,
        holder_name=holder_name.strip(),
        holder_kana=kana,
        similarity=similarity,
    )


def current_payout_account(organization: Organization) -> PayoutAccount | None:
    return PayoutAccount.objects.filter(organization=organization, replaced_at__isnull=True).first()


def save_payout_account(
    organization: Organization, draft: PayoutDraft, *, acting_user: User
) -> PayoutAccount:
    """Add the payout account, or replace the current one (the old row is kept).

    Replacing requires recent re-authentication: the view enforces that (it needs the
    request); the owners are told by mail after commit, so a hijacked session that changes
    where money goes does not go unnoticed.
    """
    with transaction.atomic():
        _require_owner(organization, acting_user)
        # Lock the organisation row: two concurrent changes serialise instead of both
        # replacing the same current account.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        previous = current_payout_account(organization)
        now = timezone.now()
        if previous is not None:
            previous.replaced_at = now
            previous.save(update_fields=["replaced_at"])
        account = PayoutAccount.objects.create(
            organization=organization,
            bank_code=draft.bank.code,
            bank_name=draft.bank.name,
            bank_kana=draft.bank.kana,
            branch_code=draft.branch.code,
            branch_name=draft.branch.name,
            branch_kana=draft.branch.kana,
            account_type=int(draft.account_type),
            account_number=draft.account_number,
            account_number_last4=draft.account_number[-4:],
            holder_name=draft.holder_name,
            holder_kana=draft.holder_kana,
            holder_mismatch=draft.holder_mismatch,
            created_by=acting_user,
        )
        audit.record(
            "payout_account.changed" if previous else "payout_account.added",
            actor=acting_user,
            obj=account,
            payload={
                "organization_id": organization.pk,
                "bank_code": account.bank_code,
                "branch_code": account.branch_code,
                "account_type": account.account_type,
                "holder_mismatch": account.holder_mismatch,
                "replaced_id": previous.pk if previous else None,
            },
        )
        if previous is not None:
            for owner in active_owners(organization.pk):
                _mail_on_commit(
                    "payout_changed",
                    owner.email,
                    language=language_of(owner),
                    organization_name=organization.name,
                    bank_name=account.bank_name,
                    branch_name=account.branch_name,
                    last4=account.account_number_last4,
                    url=_absolute(reverse("applicants:onboarding_payout")),
                )
        return account


def active_owners(organization_id: int) -> list[User]:
    """The organisation's owners with an active membership (who money mails go to)."""
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            organization_id=organization_id, role=Membership.Role.OWNER, is_active=True
        )
    ]


# ---------------------------------------------------------------------------------------
# Notification settings
# ---------------------------------------------------------------------------------------

NOTIFICATION_FIELDS = (
    "email_screening",
    "email_payment",
    "email_contract",
    "email_news",
    "sms_important",
)


def save_notification_settings(
    organization: Organization, choices: Mapping[str, bool], *, acting_user: User
) -> NotificationSettings:
    values = {name: bool(choices.get(name, False)) for name in NOTIFICATION_FIELDS}
    if values["sms_important"] and not organization.contact_phone:
        raise DomainError(
            "notifications.sms_without_phone",
            "SMSで受け取るには、先に携帯電話番号を登録してください",
            field="sms_important",
        )
    with transaction.atomic():
        _require_owner(organization, acting_user)
        row, _created = NotificationSettings.objects.update_or_create(
            organization=organization, defaults=values
        )
        audit.record("notification_settings.changed", actor=acting_user, obj=row, payload=values)
        return row


# ---------------------------------------------------------------------------------------
# Members and invitations
# ---------------------------------------------------------------------------------------


def invite_member(organization: Organization, email: str, *, acting_user: User) -> Invitation:
    """Invite an address as a member (owners only); an earlier open invitation is replaced."""
    email = normalise_email(email)
    with transaction.atomic():
        _require_owner(organization, acting_user)
        if Membership.objects.filter(
            organization=organization, is_active=True, user__email__iexact=email
        ).exists():
            raise DomainError(
                "invitation.already_member",
                "このメールアドレスの方は既にメンバーです",
                field="email",
            )
        now = timezone.now()
        replaced = Invitation.objects.filter(
            organization=organization,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        raw, digest = new_token()
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            token_hash=digest,
            invited_by=acting_user,
            created_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        audit.record(
            "invitation.sent",
            actor=acting_user,
            obj=invitation,
            payload={"organization_id": organization.pk, "replaced": replaced},
        )
        _mail_on_commit(
            "invitation",
            email,
            organization_name=organization.name,
            url=_absolute(reverse("applicants:invitation", args=[raw])),
            days=INVITATION_LIFETIME.days,
        )
        return invitation


def _consume_invitation(invitation: Invitation, user: User, now: Any) -> None:
    consumed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).update(accepted_at=now, accepted_by=user)
    if consumed != 1:
        raise _link_error("invitation", "used")


def _join(invitation: Invitation, user: User) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user,
        organization=invitation.organization,
        defaults={"role": Membership.Role.MEMBER},
    )
    if not created and not membership.is_active:
        # A removed member invited again comes back as a member (never as a former owner).
        membership.is_active = True
        membership.removed_at = None
        membership.role = Membership.Role.MEMBER
        membership.save(update_fields=["is_active", "removed_at", "role"])
    return membership


def accept_invitation(raw_token: str, *, acting_user: User) -> Membership:
    """A logged-in user whose verified address is the invited one joins as a member."""
    with transaction.atomic():
        invitation = check_invitation(raw_token)
        if acting_user.is_staff:
            raise DomainError("invitation.staff", "運営スタッフのアカウントでは参加できません")
        if not EmailAddress.objects.filter(
            user=acting_user, email__iexact=invitation.email, verified=True
        ).exists():
            raise DomainError(
                "invitation.wrong_user",
                "この招待は別のメールアドレス宛てです。招待されたメールアドレスでログインしてください",
            )
        # One organisation per user until there is a way to switch between them: a second
        # membership would be invisible (current_organization picks the first).
        if (
            Membership.objects.filter(user=acting_user, is_active=True)
            .exclude(organization=invitation.organization)
            .exists()
        ):
            raise DomainError(
                "invitation.other_organization",
                "既に別の事業者に所属しているため、この招待を受けられません",
            )
        _consume_invitation(invitation, acting_user, timezone.now())
        membership = _join(invitation, acting_user)
        audit.record(
            "invitation.accepted",
            actor=acting_user,
            obj=invitation,
            payload={
                "organization_id": invitation.organization_id,
                "membership_id": membership.pk,
            },
        )
        return membership


def accept_invitation_with_signup(
    raw_token: str,
    *,
    password: str,
    ip: str | None,
    terms_version: str,
    privacy_version: str,
    language: str = "ja",
) -> User:
    """Sign up through an invitation: the link already proves the address, so no second mail.

    Creates the user (verified address, consents as ticked now) and the membership, and uses
    the invitation up — all or nothing.
    """
    _check_versions(terms_version, privacy_version)
    try:
        with transaction.atomic():
            invitation = check_invitation(raw_token)
            password_validation.validate_password(password, User(email=invitation.email))
            now = timezone.now()
            user = _create_user(invitation.email, password, language)
            _consume_invitation(invitation, user, now)
            _record_consents(
                user,
                versions={"terms": terms_version, "privacy": privacy_version},
                at=now,
                ip=ip,
                action=Consent.Action.GIVEN,
            )
            membership = _join(invitation, user)
            # One record for the one change "a person joined by invitation": it creates the
            # account and the membership together.
            audit.record(
                "account.created",
                actor=user,
                obj=user,
                payload={
                    "via": "invitation",
                    "invitation_id": invitation.pk,
                    "organization_id": invitation.organization_id,
                    "membership_id": membership.pk,
                    "terms_version": terms_version,
                    "privacy_version": privacy_version,
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            "signup.already_registered",
            "このメールアドレスは既に登録されています。ログインしてください",
        ) from exc
    return user


def revoke_invitation(invitation: Invitation, *, acting_user: User) -> None:
    with transaction.atomic():
        _require_owner(invitation.organization, acting_user)
        revoked = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        if revoked != 1:
            raise DomainError("invitation.closed", "この招待は既に使用済みか取り消し済みです")
        audit.record(
            "invitation.revoked",
            actor=acting_user,
            obj=invitation,
            payload={"organization_id": invitation.organization_id},
        )


def remove_member(membership: Membership, *, acting_user: User) -> None:
    """Remove a member (owners only); the last owner cannot be removed."""
    organization = membership.organization
    with transaction.atomic():
        _require_owner(organization, acting_user)
        # Lock the organisation's memberships so two owners removing each other at once
        # cannot leave it without an owner.
        active = list(
            Membership.objects.select_for_update().filter(organization=organization, is_active=True)
        )
        target = next((m for m in active if m.pk == membership.pk), None)
        if target is None:
            raise DomainError("membership.not_active", "このメンバーは既に削除されています")
        other_owners = [m for m in active if m.is_owner and m.pk != target.pk]
        if target.is_owner and not other_owners:
            raise DomainError("membership.last_owner", "最後のオーナーは削除できません")
        target.is_active = False
        target.removed_at = timezone.now()
        target.save(update_fields=["is_active", "removed_at"])
        audit.record(
            "member.removed",
            actor=acting_user,
            obj=target,
            payload={"organization_id": organization.pk, "role": target.role},
        )


def pending_invitations(organization: Organization) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            Q(expires_at__gt=timezone.now()),
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).order_by("created_at")
    )
