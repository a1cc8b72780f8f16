"""The names under which each external connection is registered (issue 11, 接続許可).

Every adapter passes its name to :class:`urikake.integrations.http.JsonClient` (or
``post_bytes``), so that the one place that gates outbound traffic knows which approved
connection a call belongs to. A new external party gets a name here first.
"""

from __future__ import annotations

BANK_API = "bank_api"  # statements, transfers, virtual accounts
EKYC_VENDOR = "ekyc_vendor"  # identity checks (outbound) and its webhooks (inbound)
TSA = "tsa"  # RFC 3161 timestamp authority for the contract seal
SMTP = "smtp"  # outbound e-mail
SMS_GATEWAY = "sms_gateway"  # outbound SMS
CREDIT_BUREAU = "credit_bureau"  # 信用情報 queries during screening
ANTISOCIAL_SCREENING = "antisocial_screening"  # 反社チェック during screening

ALL = (BANK_API, EKYC_VENDOR, TSA, SMTP, SMS_GATEWAY, CREDIT_BUREAU, ANTISOCIAL_SCREENING)
