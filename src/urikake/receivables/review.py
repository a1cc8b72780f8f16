"""Reviewers decide referred applications; large amounts need two reviewers (four eyes).

A referred application carries the screening's explanation and an indicative offer. A
reviewer approves (the offer is made, valid for 3 bank business days from today) or declines,
always with a comment. At or above ``settings.FOUR_EYES_THRESHOLD_YEN`` an approval only
counts once a second, different reviewer approves too; a single decline is enough to decline
(refusing money needs less assurance than paying it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from urikake.accounts.access import has_capability
from urikake.accounts.models import User
from urikake.accounts.roles import Capability
from urikake.audit import services as audit
from urikake.domain.applications import ApplicationStatus, check_transition
from urikake.domain.bank_calendar import add_bank_business_days
from urikake.domain.errors import DomainError
from urikake.receivables import notices
from urikake.receivables.models import FinancingApplication, ReviewDecision
from urikake.receivables.screening import start_line_from

OFFER_VALID_BUSINESS_DAYS = 3


def four_eyes_required(application: FinancingApplication) -> bool:
    return application.requested_amount >= settings.FOUR_EYES_THRESHOLD_YEN


def review_application(
    application: FinancingApplication, *, acting_user: User, verdict: str, comment: str
) -> FinancingApplication:
    if not has_capability(acting_user, Capability.REVIEW_APPLICATIONS):
        raise DomainError("review.forbidden", "審査の権限がありません。")
    if verdict not in ReviewDecision.Verdict.values:
        raise DomainError("review.verdict", "承認か否認を選んでください。", field="verdict")
    if not comment.strip():
        raise DomainError(
            "review.comment", "判断の理由をコメントに書いてください。", field="comment"
        )
    with transaction.atomic():
        app = FinancingApplication.objects.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.REFERRED:
            raise DomainError("review.not_referred", "この申込みは担当者確認の対象ではありません。")
        try:
            with transaction.atomic():
                ReviewDecision.objects.create(
                    application=app, reviewer=acting_user, verdict=verdict, comment=comment.strip()
                )
        except IntegrityError as exc:
            raise DomainError(
                "review.already_reviewed",
                "この申込みはすでに判断済みです。別の審査担当者が確認してください。",
            ) from exc
        approvals = app.reviews.filter(verdict=ReviewDecision.Verdict.APPROVE).count()
        if verdict == ReviewDecision.Verdict.DECLINE:
            target: ApplicationStatus | None = ApplicationStatus.DECLINED
        elif four_eyes_required(app) and approvals < 2:
            target = None  # the first of two approvals: wait for a second reviewer
        else:
            target = ApplicationStatus.OFFERED
        if target is not None:
            check_transition(ApplicationStatus.REFERRED, target)
            app.status = target
            app.decided_at = timezone.now()
            if target is ApplicationStatus.OFFERED:
                expires = add_bank_business_days(timezone.localdate(), OFFER_VALID_BUSINESS_DAYS)
                app.offer_expires_on = expires
                app.offer = {**app.offer, "expires_on": expires.isoformat()}
            app.save()
        audit.record(
            "application.reviewed",
            actor=acting_user,
            obj=app,
            payload={
                "verdict": verdict,
                "status": app.status,
                "approvals": approvals,
                "four_eyes": four_eyes_required(app),
            },
        )
        if target is ApplicationStatus.OFFERED:
            start_line_from(app, acting_user=acting_user)
        if target is not None:
            notices.decided(app)
    return app
