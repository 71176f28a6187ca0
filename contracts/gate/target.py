"""The `target` fixture's object: what a suite test talks to. Send a request, provoke a status, verify the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import pytest

from contracts.core.credentials import Credentials
from contracts.core.exchange import Exchange
from contracts.core.violations import ContractViolation, Violation
from contracts.gate.run import GateRun
from contracts.judging.checks import Expectation, judge
from contracts.settings.config import Settings
from contracts.settings.scenarios import Scenario
from contracts.transport.http import TargetBrokeProtocol, TargetUnreachable


@dataclass
class Judged:
    """One exchange a test saw, and what it was judged against: the status asked for, or its own (`asked` None)."""

    exchange: Exchange
    judged: bool = False
    asked: int | None = None
    violations: list[Violation] = field(default_factory=list)
    known: list[Violation] = field(default_factory=list)  # accepted by --known-violations


@dataclass(frozen=True)
class Provocation:
    """A request meant to provoke `status`, how it was made, and the status it got."""

    status: int
    how: str
    got: int
    refused: str = ""  # the credentials it carried were refused (401): the status could not be asked for

    def reason(self) -> str:
        return self.refused or f"target answered {self.got} to {self.how}"


EXCHANGES = pytest.StashKey[list[Judged]]()
PROVOKED = pytest.StashKey[Provocation]()
Auth = Literal["configured", "wrong", "none"]  # which credentials a request carries
AUTH_CHOICES: tuple[Auth, ...] = get_args(Auth)


class Target:
    """What a suite test talks to: send a request, then verify the answer against the contract."""

    def __init__(self, run: GateRun, item: pytest.Item):
        self._run = run
        self._item = item
        self._judged: list[Judged] = []  # every exchange, in order, for the report and the coverage
        item.stash[EXCHANGES] = self._judged

    @property
    def settings(self) -> Settings:
        assert self._run.settings is not None  # a run with bad settings stops before any test
        return self._run.settings

    def provoke(self, status: int) -> Exchange:
        """Ask for `status` through its scenario, else with `Prefer: code=NNN`. Another status that comes back is
        judged for its own (an undocumented one is a violation), then the test skips: the status is *not
        provoked*, never passed."""
        scenario = self.settings.scenarios.get(status)
        credentials = scenario.credentials if scenario is not None and scenario.credentials else self.settings.credentials
        if scenario is None:
            exchange = self.get(prefer_status=status)
            how = f"'Prefer: code={status}' (it does not honour Prefer; --scenarios says how to provoke {status})"
        else:
            exchange = self._send(credentials, headers=scenario.headers, query=scenario.query)
            how = scenario.describe()
        refused = self._refused(status, scenario, credentials) if exchange.status == 401 else ""
        provocation = Provocation(status, how, exchange.status, refused)
        self._item.stash[PROVOKED] = provocation
        if exchange.status != status:
            self.verify(exchange, None)
            pytest.skip(provocation.reason())
        return exchange

    def get(self, *, auth: Auth = "configured", prefer_status: int | None = None) -> Exchange:
        if auth not in AUTH_CHOICES:
            raise ValueError(f"auth must be one of {AUTH_CHOICES}, not {auth!r}")
        credentials = {"configured": self.settings.credentials, "wrong": self.settings.credentials.wrong(), "none": None}[auth]
        return self._send(credentials, prefer_status=prefer_status)

    def _refused(self, status: int, scenario: Scenario | None, credentials: Credentials) -> str:
        """Why `status` could not be asked for when the credentials the request carried are refused themselves: a
        plain request with them gets 401 too (asked once a run). A stale secret, not a target that ignores `Prefer` or
        the scenario; "" when only the provoking request got 401 (judged as such: not provoked)."""
        if credentials not in self._run.refusing:
            self._send(credentials)  # the plain request, shown with this test's exchanges
        if not self._run.refusing[credentials]:
            return ""
        if scenario is not None and scenario.credentials is not None:
            return f"the target refused the {status} scenario's credentials ({scenario.credential_source}) with 401: check that secret"
        names = self.settings.credentials.environment_names()
        return f"the target refused the configured credentials ({names}) with 401, so {status} could not be asked for"

    def _send(self, credentials: Credentials | None, **extras: Any) -> Exchange:
        assert self._run.client is not None  # made before the first test, once the target answered
        try:
            exchange = self._run.client.get_organization(credentials=credentials, **extras)
        except TargetUnreachable as exc:
            unreachable, broke = str(exc), None
        except TargetBrokeProtocol as exc:
            unreachable, broke = None, exc
        else:
            unreachable = broke = None
        # Failed outside the except blocks, so no chained traceback reaches the report.
        if unreachable:
            pytest.fail(f"no answer: {unreachable}", pytrace=False)
        if broke:  # it answered, and broke HTTP: a contract failure like any other
            raise ContractViolation(broke.where, [broke.violation], self._run.show)
        self._judged.append(Judged(exchange))
        self._run.exchanged(exchange)
        if credentials is not None and not any(extras.values()):  # a plain request: do the credentials themselves pass?
            self._run.answered_plain(credentials, exchange.status)
        return exchange

    def verify(self, exchange: Exchange, status: int | None) -> None:
        """Judge the answer against `status` (None: its own, which must be one the reference documents) and raise
        one ContractViolation listing everything wrong with it."""
        verdict = judge(exchange, Expectation(status, self.settings.strict_fields))
        violations, known = self._run.judged(status, exchange, verdict)
        for entry in self._judged:
            if entry.exchange is exchange:
                entry.judged, entry.asked, entry.violations, entry.known = True, status, violations, known
        if violations:
            raise ContractViolation(f"{exchange.method} {exchange.url} -> {exchange.status}", violations, self._run.show)
