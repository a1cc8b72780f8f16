"""eKYC use cases: start a check, take the vendor's verdict from its webhook, expire, gate.

Every state change is one function here: one transaction, one audit record in it, HTTP calls
to the vendor only after commit. The vendor's verdict is accepted only through
:func:`handle_webhook`, which checks the HMAC signature, the timestamp and the event id before
touching anything; a refused call changes nothing (no row, no audit record).

Lifecycle of one :class:`~urikake.kyc.models.KycCheck`::

    start_kyc ──► pending ──(vendor accepted: vendor_check_id set)──► webhook ──► verified
                     │                                                    └──► rejected
                     └─(vendor unreachable)──► not_started ──resend_kyc──► pending
    verified ──(1 year; expire_kyc_checks or simply time)──► expired

Demo data, load seeds and tests that need a verified organisation without the vendor use
:func:`record_verified_check`.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from urikake.applicants.onboarding import KycItem
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.errors import DomainError
from urikake.integrations.ekyc import signing
from urikake.integrations.ekyc.adapter import (
    EkycVendor,
    EkycVendorError,
    VendorCheck,
    vendor_from_settings,
)
from urikake.kyc.models import VERIFICATION_VALIDITY, KycCheck, KycStatus, KycWebhookEvent
from urikake.notifications import services as notifications
from urikake.security import crypto
from urikake.security.uploads import validate_upload

if TYPE_CHECKING:
    from urikake.accounts.models import User
    from urikake.applicants.models import Organization

logger = logging.getLogger(__name__)

DOCUMENT_KINDS = {"image", "pdf"}
FULL_NAME_MAX = 100
# A webhook event is a few hundred bytes; anything much larger is not from the vendor.
WEBHOOK_MAX_BODY_BYTES = 64 * 1024
# A submission that never got an answer from the vendor (the process died mid-call) may be
# sent again after this long.
STUCK_AFTER = timedelta(minutes=15)
SYSTEM_ACTOR = "system:ekyc"
WEBHOOK_ACTOR = "system:ekyc-webhook"

NOT_VERIFIED_MESSAGE = (
    "本人確認（eKYC）が完了していないため、申込みはできません。"
    "マイページの「本人確認」から手続きを行ってください。"
)
EXPIRED_MESSAGE = (
    "本人確認（eKYC）の有効期限（1年）が切れているため、申込みはできません。"
    "マイページの「本人確認」から、もう一度手続きを行ってください。"
)
DEFAULT_REJECT_REASON = "提出された書類では本人確認ができませんでした。"
# Fields the vendor call after commit (or a fast webhook) may have changed.
_SUBMISSION_FIELDS = [
    "status",
    "vendor_check_id",
    "vendor_error",
    "sent_at",
    "reason",
    "decided_at",
    "expires_at",
    "updated_at",
]
_UNEXPECTED_FAILURE = (
    "本人確認サービスへの送信中に問題が発生しました。時間をおいてもう一度お試しください。"
)


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KycSummary:
    """What an organisation's eKYC state is, and the check that makes it so (None if none)."""

    status: KycStatus
    check: KycCheck | None

    @property
    def can_start(self) -> bool:
        return self.status in {KycStatus.NOT_STARTED, KycStatus.REJECTED, KycStatus.EXPIRED}

    def can_resend(self, now: datetime | None = None) -> bool:
        return self.check is not None and _resendable(self.check, now or timezone.now())


def _checks_of(organization: Organization) -> Any:
    # The encrypted document is large and rarely needed: never load it by accident.
    return KycCheck.objects.filter(organization=organization).defer("document")


def kyc_summary(organization: Organization, *, now: datetime | None = None) -> KycSummary:
    now = now or timezone.now()
    valid = (
        _checks_of(organization)
        .filter(status=KycStatus.VERIFIED, expires_at__gt=now)
        .order_by("-expires_at")
        .first()
    )
    if valid is not None:
        # A valid verification decides, even if a later attempt is still going on.
        return KycSummary(KycStatus.VERIFIED, valid)
    latest = _checks_of(organization).order_by("-submitted_at", "-pk").first()
    if latest is None:
        return KycSummary(KycStatus.NOT_STARTED, None)
    return KycSummary(KycStatus(latest.effective_status(now)), latest)


def kyc_status(organization: Organization, *, now: datetime | None = None) -> KycStatus:
    """not_started / pending / verified / rejected / expired (expired as soon as time says)."""
    return kyc_summary(organization, now=now).status


def onboarding_item(organization: Organization) -> KycItem:
    """The eKYC line of the applicants' checklist (マイページ)."""
    status = kyc_status(organization)
    return KycItem(available=True, label=str(status.label), done=status == KycStatus.VERIFIED)


def ensure_can_apply(organization: Organization) -> None:
    """The gate before a financing application is submitted: eKYC must be verified and valid."""
    status = kyc_status(organization)
    if status != KycStatus.VERIFIED:
        message = EXPIRED_MESSAGE if status == KycStatus.EXPIRED else NOT_VERIFIED_MESSAGE
        raise DomainError("kyc.not_verified", message)


def webhook_callback_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("kyc_webhook:ekyc")


def _resendable(check: KycCheck, now: datetime) -> bool:
    if check.vendor_check_id:
        return False
    if check.status == KycStatus.NOT_STARTED:
        return True
    return check.status == KycStatus.PENDING and check.updated_at < now - STUCK_AFTER


# --- starting a check ------------------------------------------------------------------------


def _clean_full_name(full_name: str) -> str:
    name = " ".join((full_name or "").split())  # full-width spaces count as spaces too
    if not name:
        raise DomainError("kyc.full_name_required", "氏名を入力してください。", field="full_name")
    if len(name) > FULL_NAME_MAX:
        raise DomainError(
            "kyc.full_name_too_long",
            f"氏名は{FULL_NAME_MAX}文字以内で入力してください。",
            field="full_name",
            params={"max": FULL_NAME_MAX},
        )
    return name


def _clean_birth_date(birth_date: date) -> date:
    today = timezone.localdate()
    if not isinstance(birth_date, date) or isinstance(birth_date, datetime):
        raise DomainError(
            "kyc.birth_date_invalid", "生年月日が正しくありません。", field="birth_date"
        )
    if birth_date >= today or birth_date.year < today.year - 120:
        raise DomainError(
            "kyc.birth_date_invalid",
            "生年月日が正しくありません。本人確認書類の記載どおりに入力してください。",
            field="birth_date",
        )
    return birth_date


def start_kyc(
    organization: Organization,
    *,
    acting_user: User,
    full_name: str,
    birth_date: date,
    document_upload: UploadedFile,
    vendor: EkycVendor | None = None,
) -> KycCheck:
    """Store the applicant's data (encrypted) and send it to the vendor after commit.

    Refused while a check is pending or a verification is still valid. If the vendor cannot be
    reached the check ends up ``not_started`` with ``vendor_error`` set, and
    :func:`resend_kyc` sends it again without asking for the document twice.
    """
    name = _clean_full_name(full_name)
    born = _clean_birth_date(birth_date)
    try:
        upload = validate_upload(document_upload, kinds=DOCUMENT_KINDS)
    except ValidationError as exc:
        raise DomainError(
            f"kyc.{exc.code or 'upload.invalid'}", exc.messages[0], field="document"
        ) from exc
    # Built before anything is written: a misconfigured vendor URL fails here, cleanly.
    vendor = vendor or vendor_from_settings()
    now = timezone.now()
    with transaction.atomic():
        # Serialise concurrent starts for the same organisation (SQLite: the IMMEDIATE
        # transaction already does; PostgreSQL: this row lock).
        # (type(organization): the kyc app refers to the applicants' model only through it.)
        type(organization)._default_manager.select_for_update().filter(pk=organization.pk).first()
        summary = kyc_summary(organization, now=now)
        if summary.status == KycStatus.PENDING:
            raise DomainError(
                "kyc.already_pending",
                "本人確認は現在確認中です。結果が届くまでお待ちください。",
            )
        if summary.status == KycStatus.VERIFIED:
            assert summary.check is not None
            assert summary.check.expires_at is not None
            until = timezone.localtime(summary.check.expires_at).date()
            raise DomainError(
                "kyc.already_verified",
                "本人確認は完了しています"
                f"（有効期限: {until.year}年{until.month}月{until.day}日）。",
            )
        check = KycCheck.objects.create(
            organization=organization,
            requested_by=acting_user,
            status=KycStatus.PENDING,
            full_name=name,
            birth_date=born.isoformat(),
            document=crypto.encrypt_bytes(upload.content),
            document_mime=upload.mime,
            document_sha256=upload.sha256,
            document_size=upload.size,
            submitted_at=now,
        )
        # No name or birth date in the trail: it must not copy personal data.
        audit.record(
            "kyc.started",
            actor=acting_user,
            obj=check,
            payload={
                "organization_id": organization.pk,
                "document_mime": upload.mime,
                "document_size": upload.size,
                "document_sha256": upload.sha256,
            },
        )
        check_pk = check.pk
        transaction.on_commit(lambda: _send_to_vendor(check_pk, vendor))
    check.refresh_from_db(fields=_SUBMISSION_FIELDS)
    return check


def resend_kyc(
    organization: Organization, *, acting_user: User, vendor: EkycVendor | None = None
) -> KycCheck:
    """Send the organisation's latest check to the vendor again (after a failed submission).

    The same reference goes out again, and the vendor treats it as an idempotency key: if the
    first attempt did reach it after all, this returns the same vendor check.
    """
    vendor = vendor or vendor_from_settings()
    now = timezone.now()
    with transaction.atomic():
        latest = _checks_of(organization).order_by("-submitted_at", "-pk").first()
        check = (
            KycCheck.objects.select_for_update().defer("document").get(pk=latest.pk)
            if latest is not None
            else None
        )
        if check is None or not _resendable(check, now):
            raise DomainError("kyc.nothing_to_resend", "再送信できる本人確認の申請はありません。")
        check.status = KycStatus.PENDING
        check.vendor_error = ""
        check.save(update_fields=["status", "vendor_error", "updated_at"])
        audit.record("kyc.resent", actor=acting_user, obj=check, payload={})
        check_pk = check.pk
        transaction.on_commit(lambda: _send_to_vendor(check_pk, vendor))
    check.refresh_from_db(fields=_SUBMISSION_FIELDS)
    return check


def _send_to_vendor(check_pk: int, vendor: EkycVendor) -> None:
    """After commit: hand the check to the vendor and record what happened."""
    check = KycCheck.objects.get(pk=check_pk)
    try:
        answer = vendor.start_check(
            reference=str(check.reference),
            callback_url=webhook_callback_url(),
            full_name=check.full_name,
            birth_date=check.birth_date_value,
            document=crypto.decrypt_bytes(bytes(check.document)),
            document_mime=check.document_mime,
        )
    except EkycVendorError as exc:
        logger.warning("eKYC submission of check %s failed: %s", check_pk, exc.detail)
        record_vendor_failure(check_pk, message=exc.message, detail=exc.detail)
        return
    except Exception:
        # The row is committed already: whatever went wrong, leave it re-sendable rather
        # than pending for ever, and keep the traceback in the log.
        logger.exception("eKYC submission of check %s failed unexpectedly", check_pk)
        record_vendor_failure(check_pk, message=_UNEXPECTED_FAILURE, detail="unexpected error")
        return
    record_vendor_acceptance(check_pk, answer)


def record_vendor_acceptance(check_pk: int, answer: VendorCheck) -> KycCheck | None:
    """The vendor accepted the check: remember its id (the webhook names the check by it)."""
    with transaction.atomic():
        check = KycCheck.objects.select_for_update().defer("document").get(pk=check_pk)
        if check.vendor_check_id:
            # The webhook was faster and linked the check through its reference already.
            if check.vendor_check_id != answer.check_id:
                logger.warning(
                    "eKYC check %s: vendor answered id %s but webhook named %s",
                    check_pk,
                    answer.check_id,
                    check.vendor_check_id,
                )
            return None
        check.vendor_check_id = answer.check_id
        check.sent_at = timezone.now()
        check.vendor_error = ""
        if check.status == KycStatus.NOT_STARTED:
            check.status = KycStatus.PENDING
        check.save(
            update_fields=["vendor_check_id", "sent_at", "vendor_error", "status", "updated_at"]
        )
        audit.record(
            "kyc.sent_to_vendor",
            actor=SYSTEM_ACTOR,
            obj=check,
            payload={"vendor_check_id": answer.check_id, "vendor_status": answer.status},
        )
    return check


def record_vendor_failure(check_pk: int, *, message: str, detail: str = "") -> KycCheck | None:
    """The vendor could not be reached or refused: make the check re-sendable."""
    with transaction.atomic():
        check = KycCheck.objects.select_for_update().defer("document").get(pk=check_pk)
        if check.vendor_check_id or check.status != KycStatus.PENDING:
            return None  # the vendor got it after all (its webhook arrived first)
        check.status = KycStatus.NOT_STARTED
        check.vendor_error = message
        check.save(update_fields=["status", "vendor_error", "updated_at"])
        audit.record(
            "kyc.vendor_failed", actor=SYSTEM_ACTOR, obj=check, payload={"detail": detail[:500]}
        )
    return check


# --- the webhook -----------------------------------------------------------------------------


class WebhookRejected(Exception):
    """A webhook call we refused; nothing was changed. The view answers ``status``."""

    status = 400
    code = "kyc.webhook_invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class WebhookUnauthenticated(WebhookRejected):
    status = 401
    code = "kyc.webhook_unauthenticated"


class WebhookMalformed(WebhookRejected):
    status = 400
    code = "kyc.webhook_malformed"


class WebhookUnknownCheck(WebhookRejected):
    status = 404
    code = "kyc.webhook_unknown_check"


class WebhookReplayed(WebhookRejected):
    status = 409
    code = "kyc.webhook_replayed"


class WebhookConflict(WebhookRejected):
    status = 409
    code = "kyc.webhook_already_decided"


class WebhookTooLarge(WebhookRejected):
    status = 413
    code = "kyc.webhook_too_large"


@dataclass(frozen=True)
class _Event:
    event_id: str
    type: str
    check_id: str
    reference: uuid.UUID
    result: str
    reason: str


def _short_str(data: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > limit or (required and not value):
        raise WebhookMalformed(f"イベントの {key} が正しくありません。")
    return value


def _parse_event(body: bytes) -> _Event:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookMalformed("本文が JSON ではありません。") from exc
    if not isinstance(data, dict):
        raise WebhookMalformed("本文は JSON オブジェクトでなければなりません。")
    event_type = _short_str(data, "type", 50)
    if event_type != "check.completed":
        raise WebhookMalformed(
            f"未対応のイベント種別です: {event_type}", code="kyc.webhook_unsupported_event"
        )
    result = _short_str(data, "result", 20)
    if result not in {KycStatus.VERIFIED, KycStatus.REJECTED}:
        raise WebhookMalformed("result は verified か rejected でなければなりません。")
    try:
        reference = uuid.UUID(_short_str(data, "reference", 100))
    except ValueError as exc:
        raise WebhookMalformed("イベントの reference が正しくありません。") from exc
    return _Event(
        event_id=_short_str(data, "event_id", 100),
        type=event_type,
        check_id=_short_str(data, "check_id", 100),
        reference=reference,
        result=result,
        reason=_short_str(data, "reason", 1000, required=False).strip(),
    )


def handle_webhook(
    *,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    now: datetime | None = None,
) -> KycCheck:
    """Apply a signed ``check.completed`` event from the vendor, or refuse it unchanged.

    Refusals (each a :class:`WebhookRejected`): bad/missing signature or a timestamp more than
    ``EKYC_WEBHOOK_TOLERANCE_SECONDS`` away (401), a body that is not a valid event (400),
    an unknown check (404), an event id seen before or a check already decided (409).
    """
    now = now or timezone.now()
    if len(body) > WEBHOOK_MAX_BODY_BYTES:
        raise WebhookTooLarge("本文が大きすぎます。")
    try:
        signing.verify(
            settings.EKYC_WEBHOOK_SECRET,
            timestamp_header,
            signature_header,
            body,
            now=int(now.timestamp()),
            tolerance=settings.EKYC_WEBHOOK_TOLERANCE_SECONDS,
        )
    except signing.SignatureError as exc:
        raise WebhookUnauthenticated("署名を検証できませんでした。", code=exc.code) from exc
    event = _parse_event(body)

    with transaction.atomic():
        if KycWebhookEvent.objects.filter(event_id=event.event_id).exists():
            raise WebhookReplayed("このイベントは受信済みです。")
        # One locked lookup by our own reference (unique). Looking up by vendor id first and
        # by reference second would race with record_vendor_acceptance storing the id in
        # between; the row lock makes the two wait for each other instead.
        check = (
            KycCheck.objects.select_for_update()
            .defer("document")
            .filter(reference=event.reference)
            .first()
        )
        if check is None:
            raise WebhookUnknownCheck("該当する本人確認がありません。")
        if check.vendor_check_id is None:
            # The vendor's answer to start_check was not stored yet (or was lost to a
            # timeout): the event tells us the id.
            check.vendor_check_id = event.check_id
        elif check.vendor_check_id != event.check_id:
            raise WebhookMalformed(
                "check_id と reference が一致しません。", code="kyc.webhook_mismatch"
            )
        if check.status not in {KycStatus.PENDING, KycStatus.NOT_STARTED}:
            raise WebhookConflict("この本人確認は判定済みです。")

        check.decided_at = now
        if event.result == KycStatus.VERIFIED:
            check.status = KycStatus.VERIFIED
            check.reason = ""
            check.expires_at = now + VERIFICATION_VALIDITY
        else:
            check.status = KycStatus.REJECTED
            check.reason = event.reason or DEFAULT_REJECT_REASON
            check.expires_at = None
        check.vendor_error = ""
        check.save(
            update_fields=[
                "status",
                "reason",
                "decided_at",
                "expires_at",
                "vendor_check_id",
                "vendor_error",
                "updated_at",
            ]
        )
        try:
            KycWebhookEvent.objects.create(
                event_id=event.event_id, kyc_check=check, event_type=event.type, received_at=now
            )
        except IntegrityError as exc:  # the same event delivered twice at the same moment
            raise WebhookReplayed("このイベントは受信済みです。") from exc
        audit.record(
            f"kyc.{event.result}",
            actor=WEBHOOK_ACTOR,
            obj=check,
            payload={
                "event_id": event.event_id,
                "vendor_check_id": event.check_id,
                "reason": check.reason,
                "expires_at": check.expires_at,
            },
        )
        notifications.notify(
            "kyc_verified" if check.status == KycStatus.VERIFIED else "kyc_rejected",
            organization=check.organization,
            subject=str(check),
            url=reverse("kyc:status"),
        )
    return check


# --- expiry ----------------------------------------------------------------------------------


def expire_kyc_checks(
    now: datetime | None = None, *, acting_user: Actor = "system:kyc-expiry"
) -> int:
    """Mark verified checks past their validity as expired; return how many.

    Status reads (``kyc_status``, ``ensure_can_apply``) already treat them as expired the
    moment the validity ends; this makes the stored status and the audit trail say so too.
    Each check is its own transaction and audit record, so a long run never holds locks.
    """
    now = now or timezone.now()
    due = list(
        KycCheck.objects.filter(status=KycStatus.VERIFIED, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            check = KycCheck.objects.select_for_update().defer("document").get(pk=pk)
            if check.effective_status(now) != KycStatus.EXPIRED:
                continue  # changed since we listed it
            check.status = KycStatus.EXPIRED
            check.save(update_fields=["status", "updated_at"])
            audit.record(
                "kyc.expired",
                actor=acting_user,
                obj=check,
                payload={"expires_at": check.expires_at},
            )
            expired += 1
    return expired


# --- recorded without the vendor ------------------------------------------------------------


def record_verified_check(
    organization: Organization,
    *,
    requested_by: User,
    acting_user: Actor,
    now: datetime | None = None,
) -> KycCheck:
    """Record a verified check that no vendor decided: demo data, load seeds and tests.

    An applicant's check becomes verified only through :func:`handle_webhook`; this stands in
    for the vendor's answer where there is no applicant to ask (no name, birth date or
    document is stored). Valid for :data:`VERIFICATION_VALIDITY` from ``now``; audited as
    ``demo.kyc_recorded``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        check = KycCheck.objects.create(
            organization=organization,
            requested_by=requested_by,
            status=KycStatus.VERIFIED,
            submitted_at=now,
            decided_at=now,
            expires_at=now + VERIFICATION_VALIDITY,
        )
        audit.record(
            "demo.kyc_recorded",
            actor=acting_user,
            obj=check,
            payload={"organization_id": organization.pk, "expires_at": check.expires_at},
        )
    return check


# --- staff -----------------------------------------------------------------------------------


def open_document(check: KycCheck, *, acting_user: User) -> bytes:
    """Decrypt the identity document for a staff member; every viewing is audited."""
    stored = KycCheck.objects.filter(pk=check.pk).values_list("document", flat=True).get()
    content = crypto.decrypt_bytes(bytes(stored))
    with transaction.atomic():
        audit.record(
            "kyc.document_viewed",
            actor=acting_user,
            obj=check,
            payload={"document_sha256": check.document_sha256},
        )
    return content


def rotate_document_keys(*, acting_user: Actor = "cli:kyc") -> int:
    """Re-encrypt every stored document with the first key of ``FIELD_ENCRYPTION_KEYS``.

    ``urikake security rotate-keys`` handles text fields; documents are binary and large, so
    they are re-encrypted here one row at a time.
    """
    fernet = crypto.fernet()
    count = 0
    with transaction.atomic():
        for pk in KycCheck.objects.order_by("pk").values_list("pk", flat=True):
            stored = KycCheck.objects.filter(pk=pk).values_list("document", flat=True).get()
            if not stored:
                continue
            KycCheck.objects.filter(pk=pk).update(document=fernet.rotate(bytes(stored)))
            count += 1
        audit.record(
            "kyc.document_keys_rotated",
            actor=acting_user,
            object_type="kyc.kyccheck",
            object_id="document",
            payload={"rows": count},
        )
    return count
