"""``urikake connections probe NAME``: the 疎通 check, through the gate.

A probe runs one harmless call of the connection's adapter inside
:func:`urikake.integrations.http.probing` (test traffic, allowed from the 疎通テスト stage on)
and reports what passed: the gate's conditions, reachability, a well-formed answer, latency
and the counterpart's clock skew. Adapters added later register their own probe in
:data:`PROBES` (``PROBES[name] = callable``) from their app's ``ready()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from urikake.integrations import connection_names as names
from urikake.integrations import http


@dataclass
class ProbeResult:
    name: str
    lines: list[tuple[str, bool, str]] = field(default_factory=list)  # (check, passed, detail)

    @property
    def passed(self) -> bool:
        return bool(self.lines) and all(ok for _, ok, _ in self.lines)

    def add(self, check: str, ok: bool, detail: str = "") -> None:
        self.lines.append((check, ok, detail))


def _bank() -> str:
    from urikake.integrations.bank.adapter import source_from_settings

    accounts = source_from_settings().list_accounts()
    return f"{len(accounts)} 口座"


def _ekyc() -> str:
    from urikake.integrations.ekyc.adapter import EkycVendorError, vendor_from_settings

    try:
        vendor_from_settings().get_check("probe-nonexistent")
    except EkycVendorError as exc:
        if exc.status == 404:  # reachable, authenticated, and it answers in protocol
            return "404 for an unknown check (expected)"
        raise
    return "answered"


def _tsa() -> str:
    import hashlib

    from asn1crypto import algos, tsp
    from django.conf import settings

    from urikake.integrations.tsa.client import TsaTimeStamper

    stamper = TsaTimeStamper(settings.CONTRACT_TSA_URL)
    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": tsp.MessageImprint(
                {
                    "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                    "hashed_message": hashlib.sha256(b"urikake probe").digest(),
                }
            ),
            "cert_req": False,
        }
    )
    answer = stamper._exchange(request)
    return f"status {answer['status']['status'].native}"


def _smtp() -> str:
    import smtplib

    from django.conf import settings

    from urikake.mail.tasks import smtp_permit

    permit = smtp_permit()
    if permit is None:
        return "メールはローカルのバックエンドに保存されます（外部接続なし）"
    started = time.monotonic()
    outcome = "unreachable"
    try:
        with smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=10) as smtp:
            code, _ = smtp.noop()
            outcome = "ok" if code == 250 else "refused"
    finally:
        permit.finish(
            outcome=outcome,
            status=None,
            latency_ms=int((time.monotonic() - started) * 1000),
            skew_seconds=None,
        )
    if outcome != "ok":
        raise OSError("SMTP NOOP was not accepted")
    return "NOOP 250"


PROBES: dict[str, Callable[[], str]] = {
    names.BANK_API: _bank,
    names.EKYC_VENDOR: _ekyc,
    names.TSA: _tsa,
    names.SMTP: _smtp,
}


def probe(name: str) -> ProbeResult:
    from urikake.connections.models import CallRecord

    result = ProbeResult(name)
    check = PROBES.get(name)
    if check is None:
        result.add("probe", False, "この接続の疎通チェックはまだ登録されていません")
        return result
    before = (
        CallRecord.objects.filter(connection_name=name)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    started = time.monotonic()
    with http.probing():
        try:
            detail = check()
        except http.ConnectionNotApproved as exc:
            result.add("gate", False, exc.message)
            return result
        except Exception as exc:
            cause = exc.__cause__
            if isinstance(cause, http.ConnectionNotApproved):
                result.add("gate", False, cause.message)
                return result
            result.add("gate", True, "接続許可の条件を満たしています")
            result.add("reachability", False, str(exc)[:300])
            return result
    latency = int((time.monotonic() - started) * 1000)
    result.add("gate", True, "接続許可の条件を満たしています")
    result.add("reachability", True, "接続できました")
    result.add("function", True, detail)
    result.add("latency", True, f"{latency} ms")
    skews = list(
        CallRecord.objects.filter(connection_name=name, pk__gt=before)
        .exclude(skew_seconds=None)
        .values_list("skew_seconds", flat=True)
    )
    values = [s for s in skews if s is not None]
    if values:
        worst = max(values, key=abs)
        result.add(
            "clock",
            abs(worst) <= http.RETRY_POLICY.skew_warning_seconds,
            f"時刻のずれ {worst} 秒",
        )
    return result
