"""Mail leaves the platform over real SMTP (a local aiosmtpd server), with Japanese intact."""

from __future__ import annotations

from django.core.mail import send_mail

from tests.fixtures.smtp import SmtpServer


def test_mail_goes_over_smtp_with_japanese_text(smtp_server: SmtpServer) -> None:
    send_mail("【Urikake】テスト", "売掛債権の買取のお知らせです。", None, ["hanako@example.jp"])
    message = smtp_server.wait_for("hanako@example.jp")
    assert message["Subject"] == "【Urikake】テスト"
    assert "売掛債権の買取" in smtp_server.body(message)
