"""urikake.mail: rendered with the action, delivered after commit, nothing on rollback."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from urikake.mail import services as mail
from urikake.mail.models import MailStatus, OutboundMail
from urikake.mail.tasks import retry_delay

pytestmark = pytest.mark.django_db


def test_mail_goes_out_only_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = mail.queue(["hanako@example.jp"], "件名", "本文です。")
        assert row is not None
        assert django_mail.outbox == []  # not before commit
    assert [m.subject for m in django_mail.outbox] == ["件名"]
    row.refresh_from_db()
    assert row.status == MailStatus.SENT


def test_a_rolled_back_action_mails_nothing(django_capture_on_commit_callbacks: Any) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mail.queue(["hanako@example.jp"], "件名", "本文です。")
        raise RuntimeError("the action failed")
    assert callbacks == []
    assert not OutboundMail.objects.exists()
    assert django_mail.outbox == []


def test_nobody_to_mail_is_no_mail() -> None:
    assert mail.send([], "treasury/mail/payout_returned", {}) is None
    assert not OutboundMail.objects.exists()


def test_retry_delays_grow_and_are_capped() -> None:
    minutes = [retry_delay(n).total_seconds() / 60 for n in (1, 2, 3, 10, 30)]
    assert minutes == [1, 2, 4, 360, 360]


def test_a_mail_never_picked_up_is_sent_by_the_retry_command() -> None:
    row = OutboundMail.objects.create(
        to=["hanako@example.jp"], from_email="a@example.jp", subject="件名", body="本文"
    )
    out = io.StringIO()
    call_command("mail", "--retry", stdout=out)
    assert "retried: 0" in out.getvalue()  # too fresh: its own enqueue may still come
    OutboundMail.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - mail.STRANDED_AFTER - timedelta(seconds=1)
    )
    out = io.StringIO()
    call_command("mail", "--retry", stdout=out)
    assert "retried: 1" in out.getvalue()
    assert "sent: 1" in out.getvalue()
    assert [m.subject for m in django_mail.outbox] == ["件名"]
