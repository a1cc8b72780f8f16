"""The SMTP relay is an external connection too: without an approval the mail is not sent
(recorded for retry, the refusal audited); once approved it goes out over real SMTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.smtp import SmtpServer
from urikake.audit.models import AuditRecord
from urikake.connections import demo
from urikake.connections.models import CallRecord
from urikake.integrations import connection_names
from urikake.mail.models import MailStatus, OutboundMail
from urikake.mail.tasks import deliver_now

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]


def _queued() -> OutboundMail:
    return OutboundMail.objects.create(
        template="t",
        to=["hanako@example.jp"],
        from_email="a@example.jp",
        subject="件名",
        body="本文",
    )


def test_smtp_needs_an_approval(smtp_server: SmtpServer, django_user_model: Any) -> None:
    mail = _queued()
    assert deliver_now(mail.pk) == "retry"
    mail.refresh_from_db()
    assert "smtp" in mail.last_error
    assert "台帳に登録されていません" in mail.last_error
    assert smtp_server.messages == []
    assert AuditRecord.objects.filter(action="connection.refused", object_id="smtp").exists()

    maker, checker = (
        django_user_model.objects.create_user(email=f"{w}@example.jp", staff_role="compliance")
        for w in ("m", "c")
    )
    demo.walk_to_operating(
        demo.register_demo(connection_names.SMTP, acting_user=maker), maker=maker, checker=checker
    )
    mail.status = MailStatus.QUEUED
    mail.save()
    assert deliver_now(mail.pk) == "sent"
    assert smtp_server.wait_for("hanako@example.jp")["Subject"] == "件名"
    assert CallRecord.objects.filter(connection_name="smtp", outcome="ok").exists()
