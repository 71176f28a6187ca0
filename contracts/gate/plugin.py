"""The pytest plugin behind `suites/`: its options, and the hooks that run the gate from configuration to the end.

Loaded as a `pytest11` entry point (pyproject.toml), so its options parse like pytest's own (`--scenarios FILE`, not only
`--scenarios=FILE`, see `ini`) wherever pytest runs; it acts only where the ini file says `contract_gate = true`. The
run's state lives in `GateRun`, the `target` fixture's object in `target`, what the run writes in `outputs`."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.core import exits
from contracts.core.contract import CONTRACT
from contracts.core.limits import format_size
from contracts.gate import ini
from contracts.gate.outputs import GateOutputs
from contracts.gate.run import GateRun, output_paths
from contracts.gate.selection import GATE_SWITCH, OFFLINE_MARKER, OFFLINE_SUITES, checks_target_only
from contracts.gate.target import Target
from contracts.settings import options
from contracts.settings.config import DEFAULT_REQUIRED
from contracts.transport.http import ProxyRefused, TargetBrokeProtocol, TargetClient, TargetUnreachable


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(GATE_SWITCH, type="bool", default=False, help="run as the contract gate (set in the suites' pytest.ini)")
    group = parser.getgroup("contract", "organization contract gate")
    options.add_to_pytest(group, options.GATE)
    group.addoption(
        "--summary-json",
        default=None,
        metavar="PATH",
        help="where to write the machine-readable summary (default reports/summary.json)",
    )
    group.addoption(
        "--require",
        default=None,
        metavar="STATUSES",
        help=f"documented statuses the run must verify to pass, a comma list (default {DEFAULT_REQUIRED}); else exit {exits.NOT_VERIFIED}",
    )
    group.addoption(
        "--status",
        dest="contract_status",
        default=None,
        metavar="STATUSES",
        help="run only the tests of these documented statuses, a comma list (e.g. --status 402); "
        "they are then the required ones unless --require says otherwise",
    )
    parser.addini("contract_scenarios", "scenarios file, as --scenarios (relative to the ini file)", default="")
    parser.addini("contract_baseline", "baseline, as --baseline (a path relative to the ini file, or 'last')", default="")
    parser.addini("contract_known_violations", "known-violations file, as --known-violations (relative to the ini file)", default="")
    parser.addini("contract_require", "required statuses, as --require", default=DEFAULT_REQUIRED)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, args: list[str]) -> None:
    ini.settle(early_config, args)  # `--scenarios /abs/file.toml`: pytest took the file for a test path when it looked for an ini


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not config.getini(GATE_SWITCH):
        return
    run = GateRun(config, output_paths(config))  # before pytest-html and JUnit read their options
    config.pluginmanager.register(Gate(run), "contract-gate")
    config.pluginmanager.register(GateOutputs(run), "contract-gate-outputs")
    if checks_target_only(config):
        # No property test will be collected; Hypothesis' plugin would still import all of Hypothesis to end the run.
        config.pluginmanager.unregister(name="hypothesispytest")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The offline suites stay uncollected in a run that checks the target only (see `selection`)."""
    if collection_path.name in OFFLINE_SUITES and checks_target_only(config):
        return True
    return None


class Gate:
    """The hooks that drive one gate run: start the target, select the tests, reach the target, give the verdict."""

    def __init__(self, run: GateRun):
        self.run = run

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run.start_target()

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        s = self.run.settings
        if s is None:
            return []
        where = (
            f"embedded reference server at {s.base_url} (generated token)" if s.embedded else f"{s.base_url} ({s.credentials.describe()})"
        )
        strict = ", ".join(sorted(s.strict_fields)) or "off"
        scenarios = ", ".join(map(str, sorted(s.scenarios))) or "none"
        offline = ["offline property tests (client_validation): not run against a deployment; -m client_validation runs them"]
        return [
            self.run.show(f"contract target: {where}"),
            *(offline if checks_target_only(config) else []),
            f"request timeout: {s.timeout:g}s per exchange, body cap: {format_size(s.max_body)}, strict fields: {strict}",
            f"required statuses: {','.join(map(str, sorted(s.required)))}; scenarios for: {scenarios} (others asked with 'Prefer: code=NNN')",
        ]

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
        only = self.run.settings.only_statuses if self.run.settings else frozenset()
        if only:  # `--status 402`: the tests of 402 alone (`-m` cannot match a marker's argument)
            left_out = [item for item in items if not {m.args[0] for m in item.iter_markers("status")} & only]
        elif checks_target_only(config):  # offline tests outside OFFLINE_SUITES, should there be any
            left_out = [item for item in items if item.get_closest_marker(OFFLINE_MARKER)]
        else:
            return
        if left_out:
            dropped = set(map(id, left_out))
            items[:] = [item for item in items if id(item) not in dropped]
            config.hook.pytest_deselected(items=left_out)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> None:
        # Hypothesis' plugin copies each property test's statistics, base64-encoded, into junit.xml's global properties
        # (280 KB a run); without them it adds nothing. Printed statistics, asked for, keep them.
        if not self.run.config.getoption("hypothesis_show_statistics", None):
            item.__dict__.pop("hypothesis_statistics", None)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.deselected.update(m.args[0] for item in items for m in item.iter_markers("status"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        run = self.run
        if run.error is not None:
            run.record.stopped = f"bad configuration: {run.error}"
            raise pytest.UsageError(str(run.error))
        run.record.selected = {m.args[0] for item in session.items for m in item.iter_markers("status")}
        run.record.not_selected = {s: _why_not_selected(run.config, s in run.deselected) for s in CONTRACT if s not in run.record.selected}
        checks_target = any(_uses_target(item) for item in session.items)
        settings = run.settings
        assert settings is not None  # a configuration error stopped the run above
        # An offline run against the embedded server (say `-m client_validation`) verifies no status and is not asked to.
        run.record.required = settings.required if checks_target or not settings.embedded else frozenset()
        if not checks_target:
            return  # offline tests only: no target to reach
        run.client = TargetClient(settings)
        try:
            run.client.probe()
        except ProxyRefused as exc:  # the proxy's, not the target's: nothing about the target can be concluded
            self._stop(session, f"bad configuration: {exc}", exits.BAD_CONFIGURATION)
        except TargetUnreachable as exc:
            # One diagnosis for the whole run instead of one timeout per test; reports are still written.
            self._stop(session, f"target unreachable: {exc}", exits.UNREACHABLE)
        except TargetBrokeProtocol as exc:
            # It answered, so retrying later will not help: the contract is broken now.
            self._stop(session, f"target broke HTTP: {exc}", exits.VIOLATED)

    def _stop(self, session: pytest.Session, reason: str, exit_status: int) -> None:
        self.run.record.stopped = self.run.show(reason)
        self.run.stopped_exit = exit_status
        self.run.config.hook.pytest_deselected(items=list(session.items))
        session.items[:] = []

    @pytest.fixture
    def target(self, request: pytest.FixtureRequest) -> Target:
        return Target(self.run, request.node)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """The exit status from what the run verified, before pytest-html renders the banner that shows it."""
        run = self.run
        run.signals.hold()
        if run.signals.received:
            run.record.interrupted, run.record.stopped = True, f"interrupted by {run.signals.received}"
            session.exitstatus = exits.INTERRUPTED
        elif run.record.stopped and run.error is None:  # the target could not be reached
            session.exitstatus = run.stopped_exit
        elif exitstatus == 0 and run.record.counts["passed"] == 0:
            session.exitstatus = exits.NO_CHECK_RAN
        elif exitstatus == 0 and run.record.unverified_required():
            session.exitstatus = exits.NOT_VERIFIED  # a red run stays red: only a run with nothing failed gets here
        if run.error is None:
            session.exitstatus = run.regression.finish(run.record, int(session.exitstatus), run.show)
        run.record.exit_status = int(session.exitstatus)


def _uses_target(item: pytest.Item) -> bool:
    """Whether a test talks to the target: it asks for the `target` fixture (a parameter of that name is not it)."""
    callspec = getattr(item, "callspec", None)
    return "target" in getattr(item, "fixturenames", ()) and "target" not in (callspec.params if callspec else {})


def _why_not_selected(config: pytest.Config, deselected: bool) -> str:
    """The filters a status's tests fell to: `-m`, `-k`, or the run's paths."""
    if not deselected:
        return "its tests are not in the run's paths"
    filters = (("-m", config.option.markexpr), ("-k", config.option.keyword), ("--status", config.option.contract_status))
    named = [f"{flag} {value!r}" for flag, value in filters if value]
    return f"its tests were deselected by {' and '.join(named) or 'a plugin'}"
