"""The connection-approval lifecycle (seed 000's eight steps) and the gate's rule, pure."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from urikake.domain import connections as rules
from urikake.domain.errors import DomainError

TODAY = date(2026, 4, 1)
PEOPLE = ("user:1", "user:2", "user:3")


def _payload(stage: rules.Stage, *, ok: bool = True) -> dict[str, Any]:
    if stage is rules.Stage.CONNECTIVITY_TEST:
        return {"test_results": dict.fromkeys(rules.TEST_ITEMS, "pass" if ok else "fail")}
    if stage is rules.Stage.ACCEPTANCE:
        return {
            "approval_number": "CA-1",
            "valid_from": TODAY,
            "valid_to": TODAY + timedelta(days=365),
            "operating_agreement": "agreed",
        }
    return {}


def _walk() -> rules.Lifecycle:
    state = rules.Lifecycle()
    while state.stage in rules.FORWARD:
        state = rules.propose(state, "advance", maker="user:1", payload=_payload(state.stage))
        state = rules.confirm(state, checker="user:2")
    return state


def _standing(state: rules.Lifecycle, env: rules.Environment) -> rules.Standing:
    return rules.Standing(
        "bank_api",
        state.stage,
        state.valid_from,
        state.valid_to,
        rules.Terms(env, hosts=("api.bank.example",), operations=("GET /v1/*",)),
    )


def _production_call(today: date = TODAY, **kwargs: Any) -> rules.Call:
    values: dict[str, Any] = {
        "connection": "bank_api",
        "operation": "GET /v1/accounts",
        "scheme": "https",
        "host": "api.bank.example",
        "port": 443,
        "production_mode": True,
        "today": today,
    }
    values.update(kwargs)
    return rules.Call(**values)


def test_the_eight_steps_end_operating_with_number_and_validity() -> None:
    state = _walk()
    assert state.stage is rules.Stage.OPERATING
    assert state.approval_number == "CA-1"
    assert state.valid_to == TODAY + timedelta(days=365)


def test_a_maker_cannot_confirm_their_own_step() -> None:
    state = rules.propose(rules.Lifecycle(), "advance", maker="user:1", payload={})
    with pytest.raises(DomainError) as caught:
        rules.confirm(state, checker="user:1")
    assert caught.value.code == "connections.self_approval"


def test_connectivity_test_needs_every_item_passed() -> None:
    state = rules.Lifecycle(stage=rules.Stage.CONNECTIVITY_TEST)
    with pytest.raises(DomainError, match="疎通テスト"):
        rules.propose(state, "advance", maker="user:1", payload=_payload(state.stage, ok=False))
    with pytest.raises(DomainError, match="test_results"):
        rules.propose(state, "advance", maker="user:1", payload={})


def test_gate_rule_names_each_missing_condition() -> None:
    state = _walk()
    standing = _standing(state, rules.Environment.PRODUCTION)
    # https without a pinned certificate is refused: the pin is part of the approval
    assert [r.code for r in rules.check_call(standing, _production_call())] == ["no_certificate"]
    pinned = rules.Standing(
        standing.name,
        standing.stage,
        standing.valid_from,
        standing.valid_to,
        rules.Terms(
            rules.Environment.PRODUCTION,
            hosts=("api.bank.example",),
            operations=("GET /v1/*",),
            certificates=("ab" * 32,),
        ),
    )
    assert rules.check_call(pinned, _production_call()) == []
    codes = {r.code for r in rules.check_call(pinned, _production_call(host="evil.example"))}
    assert codes == {"destination"}
    codes = {r.code for r in rules.check_call(pinned, _production_call(operation="POST /v1/x"))}
    assert codes == {"operation"}
    late = TODAY + timedelta(days=400)
    assert {r.code for r in rules.check_call(pinned, _production_call(today=late))} == {"expired"}
    assert rules.check_certificate(pinned, "AB:" * 31 + "AB") is None
    assert rules.check_certificate(pinned, "cd" * 32) is not None
    sandbox = rules.check_call(
        pinned,
        _production_call(host="127.0.0.1", scheme="http", credential_fingerprint="s1"),
        foreign_credentials=frozenset({"s1"}),
    )
    assert {"sandbox_endpoint", "plaintext", "foreign_credential", "destination"} <= {
        r.code for r in sandbox
    }


def test_unregistered_connections_are_refused() -> None:
    assert [r.code for r in rules.check_call(None, _production_call())] == ["not_registered"]


def test_client_ip_trusts_only_our_proxies() -> None:
    proxies = ["10.0.0.0/8"]
    assert rules.client_ip("203.0.113.9", "1.2.3.4", proxies) == "203.0.113.9"
    assert rules.client_ip("10.0.0.2", "1.2.3.4, 198.51.100.7", proxies) == "198.51.100.7"
    assert rules.client_ip("10.0.0.2", "198.51.100.7, 10.0.0.3", proxies) == "198.51.100.7"


def test_operation_has_no_identifiers() -> None:
    assert rules.operation_of("get", "/v1/accounts/acc_demo_main/transactions?from=x") == (
        "GET /v1/accounts/*/transactions"
    )
    assert rules.operation_of("GET", "/v1/checks/chk-9f2") == "GET /v1/checks/*"


def test_alerts_once_per_threshold_and_only_the_nearest() -> None:
    expires = TODAY + timedelta(days=60)
    assert rules.alert_thresholds_due(expires, TODAY, []) == [60]
    assert rules.alert_thresholds_due(expires, TODAY, [60]) == []
    assert rules.alert_thresholds_due(expires, expires - timedelta(days=5), [60]) == [7]
    assert rules.alert_thresholds_due(expires, expires - timedelta(days=5), [60, 7]) == []
    assert rules.alert_thresholds_due(expires, expires + timedelta(days=1), []) == []


def test_backoff_retry_after_and_skew() -> None:
    from datetime import UTC, datetime

    assert rules.backoff_delay(1, base=0.2, cap=2, jitter=0) == pytest.approx(0.1)
    assert rules.backoff_delay(10, base=0.2, cap=2, jitter=0.999) <= 2
    now = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    assert rules.parse_retry_after("3", now) == 3
    assert rules.parse_retry_after("Wed, 01 Apr 2026 00:00:10 GMT", now) == 10
    assert rules.clock_skew("Wed, 01 Apr 2026 00:05:00 GMT", now) == 300
    breaker = rules.CircuitBreaker(threshold=2, cooldown=10)
    breaker.failure(0)
    assert breaker.allows(1)
    breaker.failure(1)
    assert not breaker.allows(2)
    assert breaker.allows(11)  # half-open: one trial
    breaker.failure(11)
    assert not breaker.allows(12)
    breaker.success()
    assert breaker.allows(12)


class LifecycleMachine(RuleBasedStateMachine):
    """Any sequence of proposals, confirmations, rejections, suspensions, revocations, changes
    and days passing: production traffic is only ever admitted for a connection whose approval
    step was confirmed by someone other than its maker, and no one confirms their own request."""

    def __init__(self) -> None:
        super().__init__()
        self.state = rules.Lifecycle()
        self.today = TODAY
        self.approved_by_two = False  # the ACCEPTANCE → APPROVED step, maker ≠ checker

    @rule(maker=st.sampled_from(PEOPLE), ok=st.booleans())
    def propose_advance(self, maker: str, ok: bool) -> None:
        with contextlib.suppress(DomainError):
            self.state = rules.propose(
                self.state, "advance", maker=maker, payload=_payload(self.state.stage, ok=ok)
            )

    @rule(pair=st.permutations(PEOPLE))
    def step_by_two(self, pair: list[str]) -> None:
        """A well-formed step (the common path), so that runs reach approval often."""
        maker, checker = pair[0], pair[1]
        try:
            proposed = rules.propose(
                self.state, "advance", maker=maker, payload=_payload(self.state.stage)
            )
        except DomainError:
            return
        if self.state.stage is rules.Stage.ACCEPTANCE:
            self.approved_by_two = True
        self.state = rules.confirm(proposed, checker=checker)

    @rule(maker=st.sampled_from(PEOPLE), action=st.sampled_from(["resume", "renew", "change"]))
    def propose_other(self, maker: str, action: str) -> None:
        payload: dict[str, Any] = {
            "renew": {"valid_to": (self.state.valid_to or TODAY) + timedelta(days=365)},
            "change": {"hosts": ["new.bank.example"]},
            "resume": {},
        }[action]
        with contextlib.suppress(DomainError):
            self.state = rules.propose(self.state, action, maker=maker, payload=payload)

    @rule(checker=st.sampled_from(PEOPLE))
    def confirm(self, checker: str) -> None:
        pending = self.state.pending
        before = self.state.stage
        try:
            after = rules.confirm(self.state, checker=checker)
        except DomainError:
            assert pending is None or pending.maker == checker
            return
        assert pending is not None
        assert pending.maker != checker  # no one approves their own request
        if before is rules.Stage.ACCEPTANCE and pending.action == "advance":
            self.approved_by_two = True
        self.state = after

    @rule(checker=st.sampled_from(PEOPLE))
    def reject(self, checker: str) -> None:
        with contextlib.suppress(DomainError):
            self.state = rules.reject(self.state, checker=checker)

    @rule()
    def suspend(self) -> None:
        with contextlib.suppress(DomainError):
            self.state = rules.suspend(self.state)

    @precondition(lambda self: self.state.stage is not rules.Stage.REVOKED)
    @rule()
    def revoke(self) -> None:
        self.state = rules.revoke(self.state)

    @rule(days=st.integers(min_value=1, max_value=200))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)
        self.state = rules.mark_renewal_due(rules.expire_if_due(self.state, self.today), self.today)

    @invariant()
    def production_traffic_needs_an_approval(self) -> None:
        standing = rules.Standing(
            "bank_api",
            self.state.stage,
            self.state.valid_from,
            self.state.valid_to,
            rules.Terms(
                rules.Environment.PRODUCTION,
                hosts=("api.bank.example",),
                certificates=("ab" * 32,),
            ),
        )
        admitted = not rules.check_call(standing, _production_call(today=self.today))
        if admitted:
            assert self.approved_by_two
            assert self.state.stage in rules.TRAFFIC_STAGES
            assert self.state.approval_number
            assert self.state.valid_from is not None
            assert self.state.valid_to is not None
            assert self.state.valid_from <= self.today <= self.state.valid_to

    @invariant()
    def ended_is_final(self) -> None:
        if self.state.stage is rules.Stage.REVOKED:
            assert self.state.pending is None


TestLifecycleMachine = LifecycleMachine.TestCase
