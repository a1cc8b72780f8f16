"""An in-memory approval for the local simulators: every connection walked through the eight
steps by the real domain rules (a maker and a checker), approved for the sandbox environment
and loopback hosts only.

For code that talks to the simulators without a database-backed register — the test suite's
autouse fixture and the benchmarks. The gate's checks still run on every call (environment,
destination, operation, validity); only the register is in memory. Never used in production
(production refuses sandbox terms).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from urikake.domain import connections as rules
from urikake.integrations import connection_names

if TYPE_CHECKING:
    from urikake.connections.gate import RegisterGate

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def walk_to_operating(maker: str = "user:maker", checker: str = "user:checker") -> rules.Lifecycle:
    state = rules.Lifecycle()
    while state.stage is not rules.Stage.OPERATING:
        payload: dict[str, object] = {}
        if state.stage is rules.Stage.CONNECTIVITY_TEST:
            payload = {"test_results": dict.fromkeys(rules.TEST_ITEMS, "pass")}
        if state.stage is rules.Stage.ACCEPTANCE:
            payload = {
                "approval_number": "SANDBOX-0001",
                "valid_from": date(2000, 1, 1),
                "valid_to": date(2999, 12, 31),
                "operating_agreement": "local simulators",
            }
        state = rules.propose(state, "advance", maker=maker, payload=payload)
        state = rules.confirm(state, checker=checker)
    return state


def sandbox_standing(name: str) -> rules.Standing:
    state = walk_to_operating()
    return rules.Standing(
        name=name,
        stage=state.stage,
        valid_from=state.valid_from,
        valid_to=state.valid_to,
        approval_number=state.approval_number,
        terms=rules.Terms(
            environment=rules.Environment.SANDBOX,
            hosts=LOOPBACK,
            operations=("*",),
            source_ips=("127.0.0.0/8", "::1/128"),
        ),
    )


def sandbox_gate() -> RegisterGate:
    """A gate over an in-memory register approving every known connection for the simulators."""
    from urikake.connections.gate import InMemorySource, RegisterGate  # needs Django set up

    source = InMemorySource({name: sandbox_standing(name) for name in connection_names.ALL})
    return RegisterGate(source, record=False)
