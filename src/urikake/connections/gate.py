"""The gate the shared HTTP client and the mail sender ask before every outbound call, and the
check for inbound webhooks: "no approval, no traffic" (接続許可, issue 11).

:class:`RegisterGate` reads the register (a :class:`StandingSource`; the database by default),
applies :func:`urikake.domain.connections.check_call`, and records every call (time, operation,
outcome, latency — no personal data) in :class:`~urikake.connections.models.CallRecord`. A
refusal is audited (``connection.refused``) and raised as
:class:`~urikake.integrations.http.ConnectionNotApproved` before anything is sent.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from urikake.domain import connections as rules
from urikake.integrations.http import ConnectionNotApproved, OutboundCall, Permit

GATE_ACTOR = "system:connection-gate"


class StandingSource(Protocol):
    def standing(self, name: str) -> rules.Standing | None: ...

    def foreign_credentials(self, *, production_mode: bool) -> frozenset[str]: ...


def terms_from(data: Mapping[str, Any], environment: str) -> rules.Terms:
    certificates = tuple(
        rules.normalise_fingerprint(c["fingerprint"] if isinstance(c, dict) else str(c))
        for c in data.get("certificates", ())
    )
    return rules.Terms(
        environment=rules.Environment(environment),
        hosts=tuple(data.get("hosts", ())),
        operations=tuple(data.get("operations", ())),
        certificates=certificates,
        source_ips=tuple(data.get("source_ips", ())),
        credential_fingerprint=str(data.get("credential_fingerprint", "")),
    )


class DatabaseSource:
    def standing(self, name: str) -> rules.Standing | None:
        from urikake.connections.models import Connection

        row = Connection.objects.filter(name=name).first()
        if row is None:
            return None
        return rules.Standing(
            name=row.name,
            stage=rules.Stage(row.stage),
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            terms=terms_from(row.terms, row.environment),
            approval_number=row.approval_number,
        )

    def foreign_credentials(self, *, production_mode: bool) -> frozenset[str]:
        from urikake.connections.models import Connection

        other = rules.Environment.SANDBOX if production_mode else rules.Environment.PRODUCTION
        values = Connection.objects.filter(environment=other).values_list("terms", flat=True)
        return frozenset(
            str(t.get("credential_fingerprint")) for t in values if t.get("credential_fingerprint")
        )


def production_mode() -> bool:
    return bool(getattr(settings, "PRODUCTION", False))


@dataclass
class _Permit:
    """Admitted in one thread; the exchange may run in another (pyHanko's TSA request runs on
    a worker thread while the caller's transaction holds the database). Records made from
    another thread are queued and written by the gate's next call in a database-owning
    thread (:meth:`RegisterGate.flush`), never from the worker: that would wait for the
    caller's write lock (SQLite) or miss its uncommitted rows."""

    gate: RegisterGate
    call: OutboundCall
    standing: rules.Standing
    thread: int = field(default_factory=threading.get_ident)

    def _here(self) -> bool:
        return threading.get_ident() == self.thread

    def check_certificate(self, fingerprint: str) -> None:
        refusal = rules.check_certificate(self.standing, fingerprint)
        if refusal is not None:
            raise self.gate.refuse(self.call, [refusal], defer=not self._here())

    def finish(
        self, *, outcome: str, status: int | None, latency_ms: int, skew_seconds: float | None
    ) -> None:
        args = (
            self.call.connection,
            self.call.operation,
            outcome,
            status,
            latency_ms,
            skew_seconds,
        )
        if self._here():
            self.gate.record(*args)
        else:
            self.gate.deferred.append(lambda: self.gate.record(*args))


class RegisterGate:
    """``record=False`` (the tests' in-memory register) checks without writing anything."""

    def __init__(
        self,
        source: StandingSource | None = None,
        *,
        record: bool = True,
        today: Callable[[], date] | None = None,
    ) -> None:
        self.source: StandingSource = source or DatabaseSource()
        self.recording = record
        self.deferred: deque[Callable[[], None]] = deque()
        # Looked up at each call (tests travel in time by patching timezone.localdate).
        self.today = today or (lambda: timezone.localdate())

    def flush(self) -> None:
        """Write what other threads recorded (see :class:`_Permit`)."""
        while self.deferred:
            try:
                write = self.deferred.popleft()
            except IndexError:
                return
            write()

    def admit(self, call: OutboundCall) -> Permit:
        self.flush()
        prod = production_mode()
        standing = self.source.standing(call.connection)
        check = rules.Call(
            connection=call.connection,
            operation=call.operation,
            scheme=call.scheme,
            host=call.host,
            port=call.port,
            production_mode=prod,
            today=self.today(),
            credential_fingerprint=call.credential_fingerprint,
            probe=call.probe,
        )
        refusals = rules.check_call(
            standing,
            check,
            foreign_credentials=self.source.foreign_credentials(production_mode=prod),
        )
        if refusals or standing is None:
            raise self.refuse(call, refusals)
        return _Permit(self, call, standing)

    def check_inbound(self, name: str, *, source_ip: str) -> list[rules.Refusal]:
        self.flush()
        standing = self.source.standing(name)
        refusals = rules.check_inbound(
            standing, source_ip=source_ip, production_mode=production_mode(), today=self.today()
        )
        if refusals:
            self._audit_refusal(name, "inbound", refusals)
            self.record(name, "inbound", "refused", None, 0, None, refusals)
        else:
            self.record(name, "inbound", "ok", None, 0, None)
        return refusals

    def refuse(
        self, call: OutboundCall, refusals: list[rules.Refusal], *, defer: bool = False
    ) -> ConnectionNotApproved:
        def write() -> None:
            self._audit_refusal(call.connection, call.operation, refusals)
            self.record(call.connection, call.operation, "refused", None, 0, None, refusals)

        if defer:
            self.deferred.append(write)
        else:
            write()
        return ConnectionNotApproved(call.connection, refusals)

    def _audit_refusal(self, name: str, operation: str, refusals: list[rules.Refusal]) -> None:
        if not self.recording:
            return
        from urikake.audit import services as audit

        audit.record(
            "connection.refused",
            actor=GATE_ACTOR,
            object_type="connections.connection",
            object_id=name,
            payload={
                "operation": operation,
                "conditions": [r.code for r in refusals],
                "message": "。".join(r.message for r in refusals),
                "production_mode": production_mode(),
            },
        )

    def record(
        self,
        name: str,
        operation: str,
        outcome: str,
        status: int | None,
        latency_ms: int,
        skew_seconds: float | None,
        refusals: list[rules.Refusal] | None = None,
    ) -> None:
        if not self.recording:
            return
        from urikake.connections.models import CallRecord

        CallRecord.objects.create(
            connection_name=name[:50],
            at=timezone.now(),
            operation=operation[:200],
            outcome=outcome[:30],
            status=status,
            latency_ms=max(latency_ms, 0),
            skew_seconds=None if skew_seconds is None else round(skew_seconds),
            refusal_codes=",".join(r.code for r in refusals or ())[:300],
        )


class InMemorySource:
    """A register held in memory (tests without a database, the demo's dry runs)."""

    def __init__(self, standings: Mapping[str, rules.Standing]) -> None:
        self.standings = dict(standings)

    def standing(self, name: str) -> rules.Standing | None:
        return self.standings.get(name)

    def foreign_credentials(self, *, production_mode: bool) -> frozenset[str]:
        other = rules.Environment.SANDBOX if production_mode else rules.Environment.PRODUCTION
        return frozenset(
            s.terms.credential_fingerprint
            for s in self.standings.values()
            if s.terms.environment is other and s.terms.credential_fingerprint
        )
