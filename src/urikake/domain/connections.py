"""Connection approval (接続許可, seed 000): the lifecycle of one external connection and the
rule that decides whether one call may use it. Pure Python: the register (``urikake.connections``)
stores what these functions decide, and the shared HTTP client asks :func:`check_call` through
its gate before every request.

The lifecycle follows seed 000's eight steps. Every step forward is a *pair*: one person
(the maker) proposes it with the step's evidence, another (the checker) confirms it —
:func:`confirm` refuses a checker who is the maker. Only :data:`TRAFFIC_STAGES` with a validity
period that covers *now* carry production traffic; a connection in 疎通テスト may only be
probed (``urikake connections probe``), which is test traffic, never business traffic.

A change of endpoint, IP, certificate, scope or purpose is a *change request*: the terms in
force (``approved``) stay the ones the gate enforces until a checker approves the request.
"""

from __future__ import annotations

import enum
import fnmatch
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from urikake.domain.errors import DomainError


class Stage(enum.StrEnum):
    PLANNED = "planned"  # 1. 目的と範囲の定義
    CONSULTATION = "consultation"  # 2. 事前相談
    APPLIED = "applied"  # 3. 申請書提出
    TECHNICAL_REVIEW = "technical_review"  # 4a. 技術審査
    SECURITY_REVIEW = "security_review"  # 4b. セキュリティ審査
    CONNECTIVITY_TEST = "connectivity_test"  # 5. テスト接続（疎通）
    ACCEPTANCE = "acceptance"  # 6. 受入（UAT）・運用合意
    APPROVED = "approved"  # 7. 本番接続許可
    OPERATING = "operating"  # 8. 稼働・モニタリング
    RENEWAL_DUE = "renewal_due"  # 更新期限が近い（稼働は続く）
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


STAGE_LABELS: dict[Stage, str] = {
    Stage.PLANNED: "企画（目的・範囲の定義）",
    Stage.CONSULTATION: "事前相談",
    Stage.APPLIED: "申請",
    Stage.TECHNICAL_REVIEW: "技術審査",
    Stage.SECURITY_REVIEW: "セキュリティ審査",
    Stage.CONNECTIVITY_TEST: "疎通テスト",
    Stage.ACCEPTANCE: "受入テスト・運用合意",
    Stage.APPROVED: "本番接続許可",
    Stage.OPERATING: "稼働中",
    Stage.RENEWAL_DUE: "更新期限間近",
    Stage.SUSPENDED: "停止中",
    Stage.REVOKED: "取消",
    Stage.EXPIRED: "期限切れ",
}

# The eight steps forward, each confirmed by a checker who is not the maker.
FORWARD: dict[Stage, Stage] = {
    Stage.PLANNED: Stage.CONSULTATION,
    Stage.CONSULTATION: Stage.APPLIED,
    Stage.APPLIED: Stage.TECHNICAL_REVIEW,
    Stage.TECHNICAL_REVIEW: Stage.SECURITY_REVIEW,
    Stage.SECURITY_REVIEW: Stage.CONNECTIVITY_TEST,
    Stage.CONNECTIVITY_TEST: Stage.ACCEPTANCE,
    Stage.ACCEPTANCE: Stage.APPROVED,
    Stage.APPROVED: Stage.OPERATING,
}
# What each step forward must carry (besides the maker's note and evidence).
STEP_REQUIRES: dict[Stage, tuple[str, ...]] = {
    Stage.CONNECTIVITY_TEST: ("test_results",),  # leaving 疎通テスト: recorded results
    Stage.ACCEPTANCE: (
        "approval_number",
        "valid_from",
        "valid_to",
        "operating_agreement",
    ),  # leaving 受入: the approval itself
}
# The 疎通 results the step records
# (seed 000: 疎通、機能、エラー処理、リトライ、タイムアウト、スループット).
TEST_ITEMS: tuple[str, ...] = (
    "reachability",
    "function",
    "errors",
    "retry",
    "timeout",
    "throughput",
)
TRAFFIC_STAGES = frozenset({Stage.APPROVED, Stage.OPERATING, Stage.RENEWAL_DUE})
PROBE_STAGES = TRAFFIC_STAGES | {Stage.CONNECTIVITY_TEST, Stage.ACCEPTANCE}
ENDED = frozenset({Stage.REVOKED, Stage.EXPIRED})
# Fields whose change is a change request (seed 000: 変更管理 → 再許可).
CHANGE_FIELDS: tuple[str, ...] = (
    "hosts",
    "endpoints",
    "source_ips",
    "certificates",
    "scopes",
    "operations",
    "purpose",
    "credential_fingerprint",
)
ALERT_DAYS: tuple[int, ...] = (60, 30, 7)
REVIEW_INTERVAL = timedelta(days=365)  # 年次の棚卸


class Environment(enum.StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Pending:
    """A proposed step, waiting for a checker."""

    action: str  # "advance" | "resume" | "renew" | "change"
    maker: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Lifecycle:
    stage: Stage = Stage.PLANNED
    pending: Pending | None = None
    approval_number: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


def _error(code: str, message: str) -> DomainError:
    return DomainError(f"connections.{code}", message)


def propose(state: Lifecycle, action: str, *, maker: str, payload: Mapping[str, Any]) -> Lifecycle:
    """The maker's half of a step; the state's stage is unchanged until :func:`confirm`."""
    if not maker:
        raise _error("no_maker", "申請者が不明です。")
    if state.pending is not None:
        raise _error("pending", "承認待ちの申請があります。先に承認または却下してください。")
    if action == "advance":
        if state.stage not in FORWARD:
            raise _error(
                "no_step", f"「{STAGE_LABELS[state.stage]}」から先へ進む手順はありません。"
            )
        missing = [name for name in STEP_REQUIRES.get(state.stage, ()) if not payload.get(name)]
        if missing:
            raise _error("missing", "次の項目を入力してください: " + "、".join(missing))
        if state.stage is Stage.CONNECTIVITY_TEST:
            results = payload["test_results"]
            failed = [item for item in TEST_ITEMS if results.get(item) != "pass"]
            if failed:
                raise _error(
                    "test_failed",
                    "疎通テストの不合格・未実施の項目があります: " + "、".join(failed),
                )
        if state.stage is Stage.ACCEPTANCE and payload["valid_to"] <= payload["valid_from"]:
            raise _error("validity", "有効期限は有効開始日より後にしてください。")
    elif action == "resume":
        if state.stage is not Stage.SUSPENDED:
            raise _error("not_suspended", "停止中の接続ではありません。")
    elif action == "renew":
        if state.stage not in TRAFFIC_STAGES and state.stage is not Stage.EXPIRED:
            raise _error("not_renewable", "この状態では更新できません。")
        if not payload.get("valid_to") or (
            state.valid_to is not None and payload["valid_to"] <= state.valid_to
        ):
            raise _error("validity", "新しい有効期限は現在の有効期限より後にしてください。")
    elif action == "change":
        if state.stage in ENDED:
            raise _error("ended", "取消・期限切れの接続は変更できません。新しく登録してください。")
        if not any(name in payload for name in CHANGE_FIELDS):
            raise _error("no_change", "変更する項目がありません。")
    else:
        raise _error("action", "不明な操作です。")
    return Lifecycle(
        state.stage,
        Pending(action, maker, dict(payload)),
        state.approval_number,
        state.valid_from,
        state.valid_to,
    )


def confirm(state: Lifecycle, *, checker: str) -> Lifecycle:
    """The checker's half: the proposed step takes effect. Never the maker's own request."""
    pending = state.pending
    if pending is None:
        raise _error("nothing_pending", "承認待ちの申請はありません。")
    if not checker or checker == pending.maker:
        raise _error(
            "self_approval",
            "自分が申請した手順は承認できません（申請者と承認者は別の担当者です）。",
        )
    stage, number, start, end = state.stage, state.approval_number, state.valid_from, state.valid_to
    if pending.action == "advance":
        if stage is Stage.ACCEPTANCE:
            number = str(pending.payload["approval_number"])
            start, end = pending.payload["valid_from"], pending.payload["valid_to"]
        stage = FORWARD[stage]
    elif pending.action == "resume":
        stage = Stage.OPERATING
    elif pending.action == "renew":
        end = pending.payload["valid_to"]
        number = str(pending.payload.get("approval_number") or number)
        stage = Stage.OPERATING
    # "change": the stage stays; the caller replaces the terms in force.
    return Lifecycle(stage, None, number, start, end)


def reject(state: Lifecycle, *, checker: str) -> Lifecycle:
    if state.pending is None:
        raise _error("nothing_pending", "承認待ちの申請はありません。")
    if checker == state.pending.maker:
        raise _error("self_approval", "自分が申請した手順は却下ではなく取り下げてください。")
    return Lifecycle(state.stage, None, state.approval_number, state.valid_from, state.valid_to)


def suspend(state: Lifecycle) -> Lifecycle:
    """Stopping traffic needs one person (stopping is always safe); resuming needs two."""
    if state.stage in ENDED or state.stage is Stage.SUSPENDED:
        raise _error("not_running", "この接続は停止できる状態ではありません。")
    return Lifecycle(Stage.SUSPENDED, None, state.approval_number, state.valid_from, state.valid_to)


def revoke(state: Lifecycle) -> Lifecycle:
    if state.stage in ENDED:
        raise _error("ended", "この接続はすでに終了しています。")
    return Lifecycle(Stage.REVOKED, None, state.approval_number, state.valid_from, state.valid_to)


def expire_if_due(state: Lifecycle, today: date) -> Lifecycle:
    """Past its validity an approved connection is expired (the periodic task calls this)."""
    running = state.stage in TRAFFIC_STAGES or state.stage is Stage.SUSPENDED
    if state.valid_to is not None and today > state.valid_to and running:
        return Lifecycle(
            Stage.EXPIRED, None, state.approval_number, state.valid_from, state.valid_to
        )
    return state


def mark_renewal_due(state: Lifecycle, today: date) -> Lifecycle:
    if (
        state.stage is Stage.OPERATING
        and state.valid_to is not None
        and (state.valid_to - today).days <= ALERT_DAYS[0]
    ):
        return Lifecycle(
            Stage.RENEWAL_DUE,
            state.pending,
            state.approval_number,
            state.valid_from,
            state.valid_to,
        )
    return state


def alert_thresholds_due(expires: date, today: date, already_sent: Iterable[int]) -> list[int]:
    """The 60/30/7-day thresholds reached by ``today`` and not yet alerted — at most the
    smallest one (a connection first seen 5 days before expiry gets one mail, not three)."""
    left = (expires - today).days
    if left < 0:
        return []
    sent = set(already_sent)
    # A threshold is covered once it, or a nearer one, has been alerted.
    nearest_sent = min(sent) if sent else None
    reached = [
        days
        for days in ALERT_DAYS
        if left <= days and (nearest_sent is None or days < nearest_sent)
    ]
    return [min(reached)] if reached else []


# --- the gate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What an approval allows (the part of the register the gate enforces)."""

    environment: Environment
    hosts: tuple[str, ...] = ()  # destination FQDNs or IPs (optionally host:port)
    operations: tuple[str, ...] = ("*",)  # patterns: "GET /v1/accounts*", "SMTP send"
    certificates: tuple[str, ...] = ()  # SHA-256 fingerprints (hex) of the counterpart's cert
    source_ips: tuple[str, ...] = ()  # inbound: addresses/CIDRs the counterpart calls from
    credential_fingerprint: str = ""  # SHA-256 prefix of the credential this approval covers


@dataclass(frozen=True)
class Standing:
    """One connection as the gate sees it: its lifecycle and the terms in force."""

    name: str
    stage: Stage
    valid_from: date | None
    valid_to: date | None
    terms: Terms
    approval_number: str = ""


@dataclass(frozen=True)
class Call:
    connection: str
    operation: str  # "GET /v1/accounts/*/transactions"
    scheme: str  # http | https | smtp
    host: str
    port: int | None
    production_mode: bool
    today: date
    credential_fingerprint: str = ""
    probe: bool = False


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str  # Japanese, names the missing condition


def is_local_host(host: str) -> bool:
    """Loopback, private or link-local addresses and ``localhost``: simulator endpoints."""
    if host in {"localhost", "testserver"} or host.endswith((".localhost", ".local", ".test")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return "sandbox" in host.split(".") or host.startswith("sandbox")
    return address.is_loopback or address.is_private or address.is_link_local


def host_allowed(host: str, port: int | None, allowed: Sequence[str]) -> bool:
    for entry in allowed:
        if entry == "*":
            return True
        if ":" in entry and not entry.startswith("["):
            name, _, allowed_port = entry.rpartition(":")
            if fnmatch.fnmatch(host, name) and str(port) == allowed_port:
                return True
        elif fnmatch.fnmatch(host, entry):
            return True
    return False


def check_call(
    standing: Standing | None,
    call: Call,
    *,
    foreign_credentials: frozenset[str] = frozenset(),
) -> list[Refusal]:
    """Every condition the call misses (empty: it may go). ``foreign_credentials`` are the
    credential fingerprints registered for the *other* environment (sandbox ones in production
    mode, production ones in development)."""
    env = Environment.PRODUCTION if call.production_mode else Environment.SANDBOX
    if standing is None:
        return [Refusal("not_registered", "接続許可の台帳に登録されていません")]
    refusals: list[Refusal] = []
    stages = PROBE_STAGES if call.probe else TRAFFIC_STAGES
    if standing.stage not in stages:
        refusals.append(
            Refusal(
                f"stage_{standing.stage.value}",
                f"接続許可がありません（現在の状態: {STAGE_LABELS[standing.stage]}）",
            )
        )
    if standing.stage in TRAFFIC_STAGES and not call.probe:
        if standing.valid_from is None or call.today < standing.valid_from:
            refusals.append(Refusal("not_yet_valid", "接続許可の有効期間が始まっていません"))
        elif standing.valid_to is None or call.today > standing.valid_to:
            refusals.append(Refusal("expired", "接続許可の有効期限が切れています"))
    if standing.terms.environment is not env:
        refusals.append(
            Refusal(
                "environment",
                "本番モードでは検証環境（サンドボックス）の接続許可は使えません"
                if env is Environment.PRODUCTION
                else "開発・検証モードでは本番環境の接続許可は使えません",
            )
        )
    if env is Environment.PRODUCTION and is_local_host(call.host):
        refusals.append(
            Refusal("sandbox_endpoint", "本番モードで検証用（ローカル）の接続先は使えません")
        )
    if env is Environment.PRODUCTION and call.scheme in {"http", "smtp"}:
        refusals.append(
            Refusal(
                "plaintext", "本番モードでは暗号化されていない通信（http・平文SMTP）は使えません"
            )
        )
    if call.credential_fingerprint and call.credential_fingerprint in foreign_credentials:
        refusals.append(
            Refusal(
                "foreign_credential",
                "検証環境（サンドボックス）の認証情報は本番モードでは使えません"
                if env is Environment.PRODUCTION
                else "本番環境の認証情報は開発・検証モードでは使えません",
            )
        )
    elif (
        standing.terms.credential_fingerprint
        and call.credential_fingerprint
        and call.credential_fingerprint != standing.terms.credential_fingerprint
    ):
        refusals.append(
            Refusal("credential", "許可された認証情報（クライアントID・鍵）と異なります")
        )
    if not host_allowed(call.host, call.port, standing.terms.hosts):
        refusals.append(
            Refusal("destination", f"接続先 {call.host} は許可された接続先ではありません")
        )
    if not any(fnmatch.fnmatch(call.operation, p) for p in standing.terms.operations):
        refusals.append(Refusal("operation", f"操作「{call.operation}」は許可されていません"))
    if call.scheme == "https" and not standing.terms.certificates:
        refusals.append(
            Refusal("no_certificate", "接続先の証明書（フィンガープリント）が登録されていません")
        )
    return refusals


def check_certificate(standing: Standing, fingerprint: str) -> Refusal | None:
    """After the TLS handshake, before a byte is sent: the counterpart's certificate must be
    one the approval pins."""
    if normalise_fingerprint(fingerprint) in {
        normalise_fingerprint(f) for f in standing.terms.certificates
    }:
        return None
    return Refusal(
        "certificate",
        "接続先の証明書が許可された証明書と一致しません（証明書の変更は再承認が必要です）",
    )


def check_inbound(
    standing: Standing | None, *, source_ip: str, production_mode: bool, today: date
) -> list[Refusal]:
    """An inbound call (a webhook) from ``source_ip``: approved, valid, right environment and
    from one of the approved source addresses."""
    call = Call(
        connection=standing.name if standing else "",
        operation="inbound",
        scheme="inbound",
        host="*",
        port=None,
        production_mode=production_mode,
        today=today,
    )
    refusals = [
        r
        for r in check_call(standing, call)
        if r.code not in {"destination", "operation", "sandbox_endpoint", "plaintext"}
    ]
    if standing is not None and not ip_allowed(source_ip, standing.terms.source_ips):
        refusals.append(
            Refusal("source_ip", f"送信元 {source_ip} は許可された送信元ではありません")
        )
    return refusals


def ip_allowed(ip: str, allowed: Sequence[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(remote_addr: str, forwarded_for: str, trusted_proxies: Sequence[str]) -> str:
    """The caller's address: ``REMOTE_ADDR`` unless it is a trusted proxy, then the right-most
    ``X-Forwarded-For`` entry that is not itself a trusted proxy (the left-most entries are
    whatever the client wrote and are never trusted)."""
    if not ip_allowed(remote_addr, trusted_proxies):
        return remote_addr
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not ip_allowed(hop, trusted_proxies):
            return hop
    return remote_addr


def normalise_fingerprint(value: str) -> str:
    return value.replace(":", "").strip().lower()


def operation_of(method: str, path: str) -> str:
    """``GET /v1/accounts/abc-1/transactions`` → ``GET /v1/accounts/*/transactions``: the
    operation without identifiers (the call log holds no personal data). A segment is kept
    only when it looks like a resource word (lowercase letters, words joined by ``-``) or a
    version: identifiers (``acc_1``, ``chk-9f2``) become ``*``."""
    path = path.split("?", 1)[0] or "/"
    kept = [part if not part or _RESOURCE.fullmatch(part) else "*" for part in path.split("/")]
    return f"{method.upper()} {'/'.join(kept)}"


_RESOURCE = re.compile(r"v[0-9]{1,2}|[a-z]{2,30}(-[a-z]{2,30})*")


# --- retries, circuit breaker, clock skew ------------------------------------------------------


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with "equal jitter": ``attempt`` 1 → between base/2 and ``base``,
    2 → between base and 2×base…, never more than ``cap``. ``jitter`` in [0, 1) is the
    caller's random draw (so that many clients do not retry in step)."""
    ceiling = min(cap, base * (2.0 ** max(attempt - 1, 0)))
    return float(ceiling * (0.5 + jitter / 2))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now).total_seconds(), 0.0)


def clock_skew(date_header: str | None, now: datetime) -> float | None:
    """Counterpart's clock minus ours, in seconds, from its ``Date`` header (None if absent)."""
    if not date_header:
        return None
    from email.utils import parsedate_to_datetime

    try:
        theirs = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        return None
    return (theirs - now).total_seconds()


@dataclass
class CircuitBreaker:
    """Closed → open after ``threshold`` consecutive failures → half-open after ``cooldown``
    seconds (one trial call) → closed on success, open again on failure."""

    threshold: int = 5
    cooldown: float = 30.0
    failures: int = 0
    opened_at: float | None = None

    def allows(self, now: float) -> bool:
        return self.opened_at is None or now - self.opened_at >= self.cooldown

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self, now: float) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = now
