"""The pytest plugin behind `suites/`: configuration, target, exchanges, verdicts and run outputs.

Loaded with `-p contracts.gate` from pytest.ini, so its options parse like pytest's own
(`--request-timeout 5`, not only `--request-timeout=5`); it acts only where the ini file says `contract_gate = true`."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

import pytest

from . import exits
from .checks import Expectation, drift, run_checks
from .config import (
    DEFAULT_MAX_BODY,
    DEFAULT_REQUIRED,
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    ConfigError,
    Credentials,
    Settings,
    check_require,
    format_size,
    hide_userinfo,
    resolve_settings,
)
from .coverage import TestResult
from .http import Exchange, TargetBrokeProtocol, TargetClient, TargetUnreachable
from .interruption import InterruptOnSignals, remove_stale_outputs
from .printable import printable
from .redaction import Redactor, cookie_values
from .regression import Regression
from .report import RunRecord, exchange_html, not_verified_line, summary_sections, write_summary
from .report_page import FOLDED_OUTCOMES, SCRIPT, STYLE, FoldedTests
from .scenarios import load_scenarios
from .schemas import SchemaSetupError, assert_formats_live
from .selection import GATE_SWITCH, OFFLINE_MARKER, OFFLINE_SUITES, checks_target_only
from .table import CONTRACT
from .violations import ContractViolation, Violation, shorten

if TYPE_CHECKING:
    from .server import RunningServer  # werkzeug is imported only for the embedded server

_THIS_FILE = Path(__file__).resolve()


@dataclass
class Judged:
    """One exchange a test saw, and what it was judged against (None: not judged)."""

    exchange: Exchange
    expected: int | None = None
    violations: list[Violation] | None = None
    known: list[Violation] = dataclasses.field(default_factory=list)  # accepted by --known-violations


@dataclass(frozen=True)
class Provocation:
    """A request meant to provoke `status`, how it was made, and the status it got."""

    status: int
    how: str
    got: int

    def reason(self) -> str:
        return f"target answered {self.got} to {self.how}"


EXCHANGES = pytest.StashKey[list[Judged]]()
PROVOKED = pytest.StashKey[Provocation]()
Auth = Literal["configured", "wrong", "none"]  # which credentials a request carries
AUTH_CHOICES: tuple[Auth, ...] = get_args(Auth)
DRIFT_PATH_LIMIT = 160


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(GATE_SWITCH, type="bool", default=False, help="run as the contract gate (set in the suites' pytest.ini)")
    group = parser.getgroup("contract", "organization contract gate")
    group.addoption(
        "--request-timeout",
        default=None,
        metavar="SECONDS",
        help=f"wall-clock deadline of each whole exchange with the target, connect to last body byte (default {DEFAULT_TIMEOUT:g}, at most {MAX_TIMEOUT:g})",
    )
    group.addoption(
        "--max-body",
        default=None,
        metavar="BYTES",
        help=f"read at most this much of each decoded body, e.g. 10MiB or 1048576; a longer body is a violation (default {format_size(DEFAULT_MAX_BODY)})",
    )
    group.addoption(
        "--strict-fields",
        nargs="?",
        const="all",
        default=None,
        metavar="KINDS",
        help="fail on undocumented fields instead of listing them as drift; alone for every body, or a comma list of organization,error",
    )
    group.addoption(
        "--summary-json",
        default=None,
        metavar="PATH",
        help="where to write the machine-readable summary (default reports/summary.json)",
    )
    group.addoption(
        "--scenarios",
        default=None,
        metavar="FILE",
        help="TOML file saying how to provoke 400/402/500/502 on a real deployment ([status.NNN] with headers, query, credentials)",
    )
    group.addoption(
        "--require",
        default=None,
        metavar="STATUSES",
        help=f"documented statuses the run must verify to pass, a comma list (default {DEFAULT_REQUIRED}); else exit {exits.NOT_VERIFIED}",
    )
    group.addoption(
        "--baseline",
        default=None,
        metavar="PATH|last",
        help="summary.json of an earlier run to compare with, or 'last' (the latest earlier run against this target in reports/history)",
    )
    group.addoption(
        "--fail-on-drift-change",
        action="store_true",
        default=False,
        help="exit 1 when undocumented fields appeared or vanished since the baseline",
    )
    group.addoption(
        "--known-violations",
        default=None,
        metavar="FILE",
        help="JSON file of violations accepted for now (status, check, path): they do not fail the run; new ones do",
    )
    group.addoption(
        "--record-known",
        default=None,
        metavar="FILE",
        help="write this run's violations to FILE, to be given to --known-violations later",
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
def pytest_configure(config: pytest.Config) -> None:
    if not config.getini(GATE_SWITCH):
        return
    reports = config.rootpath / "reports"
    # Reports by default, before pytest-html and junitxml read their options.
    if getattr(config.option, "htmlpath", None) is None:
        config.option.htmlpath = str(reports / "report.html")
    config.option.self_contained_html = True
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(reports / "junit.xml")
    summary = config.getoption("summary_json") or str(reports / "summary.json")
    gate = Gate(config, Path(summary))  # reads a baseline first: it may be the summary about to be removed
    remove_stale_outputs(Path(p) for p in (config.option.htmlpath, config.option.xmlpath, summary))
    config.pluginmanager.register(gate, "contract-gate")
    if checks_target_only(config):
        # No property test will be collected; Hypothesis' plugin would still import all of Hypothesis to end the run.
        config.pluginmanager.unregister(name="hypothesispytest")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The offline suites stay uncollected in a run that checks the target only (see `contracts.selection`)."""
    if collection_path.name in OFFLINE_SUITES and checks_target_only(config):
        return True
    return None


def settings_from(config: pytest.Config) -> Settings:
    """Read before pytest-base-url folds its ini value into the option, so an empty value is seen as empty."""
    try:
        assert_formats_live()
    except SchemaSetupError as exc:
        raise ConfigError(str(exc)) from None
    settings = resolve_settings(
        base_url=config.getoption("base_url", None),
        ini_base_url=config.getini("base_url") or "",
        timeout=config.getoption("request_timeout"),
        strict_fields=config.getoption("strict_fields"),
        max_body=config.getoption("max_body"),
    )
    require = config.getoption("require")
    only = config.getoption("contract_status")
    only_statuses = check_require(only, option="--status") if only is not None else frozenset()
    if require is None and only_statuses:
        required = only_statuses  # asking for 402 alone means 402 must be verified, not 200 and 401
    else:
        required = check_require(config.getini("contract_require") if require is None else require)
    settings = dataclasses.replace(settings, only_statuses=only_statuses)
    scenarios_file = config.getoption("scenarios") or _ini_path(config, "contract_scenarios")
    if not scenarios_file:
        return dataclasses.replace(settings, required=required)
    if settings.embedded:
        # Scenarios say how to provoke a real deployment; without a base URL they would quietly go unused.
        raise ConfigError(
            f"--scenarios {scenarios_file} is set but no base URL is: give --base-url (or PYTEST_BASE_URL), or drop --scenarios"
        )
    return dataclasses.replace(settings, required=required, scenarios=load_scenarios(scenarios_file))


def regression_from(config: pytest.Config, summary_path: Path) -> Regression:
    baseline = config.getoption("baseline") or str(config.getini("contract_baseline") or "").strip()
    if baseline and baseline != "last" and not config.getoption("baseline"):
        baseline = _ini_path(config, "contract_baseline")
    return Regression(
        summary_path,
        baseline=baseline,
        known_violations=config.getoption("known_violations") or _ini_path(config, "contract_known_violations"),
        record_known=config.getoption("record_known") or "",
        fail_on_drift_change=config.getoption("fail_on_drift_change"),
    )


def _ini_path(config: pytest.Config, name: str) -> str:
    """An ini value that is a path, relative to the ini file's folder."""
    value = str(config.getini(name) or "").strip()
    if not value:
        return ""
    base = config.inipath.parent if config.inipath else config.rootpath
    return str(base / value)


class Gate:
    """One run of the gate: holds the settings, the target, the redactor and what the run saw."""

    def __init__(self, config: pytest.Config, summary_path: Path):
        self.config = config
        self.summary_path = summary_path
        self.record = RunRecord(started=time.time())
        self.server: RunningServer | None = None
        self.client: TargetClient | None = None
        self.error: ConfigError | None = None
        self.deselected: set[int] = set()  # statuses of tests that -m/-k (or another plugin) deselected
        self.stopped_exit = exits.UNREACHABLE  # the exit status when the run stops at the probe
        self.regression = Regression(summary_path, keep_history=False)
        try:
            self.settings: Settings | None = settings_from(config)
            self.regression = regression_from(config, summary_path)
        except ConfigError as exc:
            self.settings, self.error = None, exc
        self.redact = Redactor.for_credentials(*(self.settings.every_credentials() if self.settings else ()))
        _hide_base_url_credentials(config)
        self.signals = InterruptOnSignals()  # SIGTERM (a CI timeout) ends the run like Ctrl-C, reports written
        self.signals.install()
        self.summary_written = False
        self.folded = FoldedTests()  # offline property tests kept out of the report's results table
        self.offline_in_table: Counter[str] = Counter()  # … and those shown in it (they did not pass)

    def show(self, text: str) -> str:
        """Text fit for any output: secrets masked, then control characters made visible (cut and escape after)."""
        return printable(self.redact(text))

    # -- start-up -----------------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.settings and self.settings.embedded:
            from .server import start_reference_server  # werkzeug: only a run without a base URL needs it

            self.server = start_reference_server(self.settings.credentials)
            self.settings = dataclasses.replace(self.settings, base_url=self.server.url)
            self.config.option.base_url = self.server.url
            _set_report_base_url(self.config, self.server.url)
        if self.settings:
            self.record.target = self.settings.base_url
            self.record.embedded = self.settings.embedded

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        if self.settings is None:
            return []
        s = self.settings
        where = (
            f"embedded reference server at {s.base_url} (generated token)" if s.embedded else f"{s.base_url} ({s.credentials.describe()})"
        )
        strict = ", ".join(sorted(s.strict_fields)) or "off"
        scenarios = ", ".join(map(str, sorted(s.scenarios))) or "none"
        offline = ["offline property tests (client_validation): not run against a deployment; -m client_validation runs them"]
        return [
            self.show(f"contract target: {where}"),
            *(offline if checks_target_only(config) else []),
            f"request timeout: {s.timeout:g}s per exchange, body cap: {format_size(s.max_body)}, strict fields: {strict}",
            f"required statuses: {','.join(map(str, sorted(s.required)))}; scenarios for: {scenarios} (others asked with 'Prefer: code=NNN')",
        ]

    def pytest_collection_modifyitems(self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
        only = self.settings.only_statuses if self.settings else frozenset()
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
        if not self.config.getoption("hypothesis_show_statistics", None):
            item.__dict__.pop("hypothesis_statistics", None)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(m.args[0] for item in items for m in item.iter_markers("status"))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.error is not None:
            self.record.stopped = f"bad configuration: {self.error}"
            raise pytest.UsageError(str(self.error))
        self.record.selected = {m.args[0] for item in session.items for m in item.iter_markers("status")}
        self.record.not_selected = {
            s: _why_not_selected(self.config, s in self.deselected) for s in CONTRACT if s not in self.record.selected
        }
        checks_target = any("target" in getattr(item, "fixturenames", ()) for item in session.items)
        # An offline run against the embedded server (say `-m client_validation`) verifies no status and is not asked to.
        settings = self.settings
        assert settings is not None  # a configuration error stopped the run above
        self.record.required = settings.required if checks_target or not settings.embedded else frozenset()
        if not checks_target:
            return  # offline tests only: no target to reach
        self.client = TargetClient(settings)
        try:
            self.client.probe()
        except TargetUnreachable as exc:
            # One diagnosis for the whole run instead of one timeout per test; reports are still written.
            self._stop(session, f"target unreachable: {exc}", exits.UNREACHABLE)
        except TargetBrokeProtocol as exc:
            # It answered, so retrying later will not help: the contract is broken now.
            self._stop(session, f"target broke HTTP: {exc}", exits.VIOLATED)

    def _stop(self, session: pytest.Session, reason: str, exit_status: int) -> None:
        self.record.stopped = self.show(reason)
        self.stopped_exit = exit_status
        self.config.hook.pytest_deselected(items=list(session.items))
        session.items[:] = []

    # -- the fixture the suites use -----------------------------------------------------------

    @pytest.fixture
    def target(self, request: pytest.FixtureRequest) -> Target:
        judged: list[Judged] = []
        request.node.stash[EXCHANGES] = judged
        return Target(self, request.node, judged)

    # -- verdicts and report ------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.excinfo is not None and call.excinfo.errisinstance(ContractViolation):
            report.longrepr = str(call.excinfo.value)  # the violations, not a traceback
        if report.skipped and isinstance(report.longrepr, tuple) and Path(str(report.longrepr[0])).resolve() == _THIS_FILE:
            # A status the target could not be made to give is skipped from inside `Target.provoke`: point at the test.
            path, line = item.reportinfo()[:2]
            report.longrepr = (str(path), (line or 0) + 1, report.longrepr[2])
        self._redact_report(report)  # before the record reads (and cuts) the failure text
        judged = item.stash.get(EXCHANGES, [])
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            extras = getattr(report, "extras", [])
            if report.skipped:
                extras.append(_html_extra(f"<p><b>Skipped:</b> {escape(_skip_reason(report))}</p>"))
            marker = item.get_closest_marker("status")
            asked = marker.args[0] if marker else None
            for entry in judged:
                judged_as = entry.expected if entry.expected != asked else None
                html = exchange_html(entry.exchange, entry.violations, self.show, entry.known, judged_as=judged_as)
                extras.append(_html_extra(self.redact(html)))
            report.extras = extras
            self.record.add(_test_result(item, report, call, asked, self.show), asked)
        return report

    def _redact_report(self, report: pytest.TestReport) -> None:
        if isinstance(report.longrepr, tuple):  # a skip: (path, line, message)
            path, line, message = report.longrepr
            report.longrepr = (path, line, self.show(message))
        elif report.longrepr is not None:
            text = str(report.longrepr)
            shown = self.show(text)
            if shown != text:
                report.longrepr = shown
        report.sections = [(name, self.show(content)) for name, content in report.sections]

    def observe(self, exchange: Exchange) -> None:
        for value in cookie_values(exchange.response_headers):
            self.redact.add(value)  # a session cookie is a credential too: masked wherever it is echoed
        for path in drift(exchange):
            self.record.drift[(exchange.status, path)] += 1
        self.record.elapsed.setdefault(exchange.status, []).append(exchange.elapsed)

    def pytest_html_report_title(self, report) -> None:
        report.title = "Contract gate: GET /account/organization"

    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session: pytest.Session) -> None:
        sections = summary_sections(self.record, self.show)
        sections.insert(1, self.regression.html(self.record, self.show))  # since the baseline, known violations, history
        prefix.append(STYLE + self.redact("".join(sections)))
        postfix.append(self.redact(self.folded.html(self.offline_in_table)) + SCRIPT)

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[:] = [cell for cell in cells if "Links" not in cell]  # the gate links nothing: an empty column

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        cells[:] = [cell for cell in cells if 'class="col-links"' not in cell]
        if OFFLINE_MARKER not in report.keywords:
            return
        shown = report.when == "call" or report.outcome != "passed"  # pytest-html shows these reports of a test
        if report.outcome not in FOLDED_OUTCOMES:
            self.offline_in_table[report.outcome] += shown
            return
        if shown:
            self.folded.add(report.nodeid, report.outcome)
        cells.clear()  # no row, not even an empty entry: the folded group counts it

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """Each failure once: where the extras show the violations and the exchange, pytest's text would repeat them;
        a skip says why in words rather than pytest's (path, line, message) tuple."""
        if getattr(report, "extras", None):
            data.clear()
        elif report.skipped:
            data[:] = [escape(f"Skipped: {_skip_reason(report)}")]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.signals.hold()
        if self.signals.received:
            session.exitstatus = exits.INTERRUPTED
        elif self.record.stopped and self.error is None:
            session.exitstatus = self.stopped_exit
        elif exitstatus == 0 and self.record.counts["passed"] == 0:
            session.exitstatus = exits.NO_CHECK_RAN
        elif exitstatus == 0 and self.record.unverified_required():
            session.exitstatus = exits.NOT_VERIFIED  # a red run stays red: only a run with nothing failed gets here
        if self.error is None:
            session.exitstatus = self.regression.finish(self.record, int(session.exitstatus), self.show)
        self._write_summary(int(session.exitstatus))
        # Only runs that checked the target to the end are kept: others would make a misleading `--baseline last`.
        complete = self.error is None and not self.record.stopped and not self.signals.received and bool(self.record.selected)
        self.regression.keep(self.summary_path, self.record.started, complete=complete)

    def _write_summary(self, exit_status: int) -> None:
        if self.signals.received:
            self.record.interrupted = True
            self.record.stopped = f"interrupted by {self.signals.received}"
        self.record.exit_status = exit_status
        write_summary(self.summary_path, self.record, self.show)
        self.summary_written = True

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        tr = terminalreporter
        if self.record.stopped:
            tr.write_line(self.show(self.record.stopped), red=True, bold=True)
        if self.record.drift:
            tr.write_sep("-", "contract drift: undocumented fields (allowed; --strict-fields fails on them)")
            for (status, path), count in sorted(self.record.drift.items()):
                tr.write_line(f"{status} {shorten(self.show(path), DRIFT_PATH_LIMIT)}  (seen {count}x)")
        if self.settings is not None and not self.record.stopped:
            tr.write_sep("-", "per-status coverage")
            for status, covered in self.record.coverage().items():
                required = " (required)" if covered.required else ""
                tr.write_line(self.show(f"{status}{required}: {covered.line()}"))
            unverified = self.record.unverified_required()
            if unverified:
                tr.write_line(self.show(f"not a pass: {not_verified_line(unverified)}"), red=True, bold=True)
        for line, markup in self.regression.console_lines(self.show):
            tr.write_line(line, **markup)
        tr.write_line(f"reports: {self.config.option.htmlpath}, {self.config.option.xmlpath}, {self.summary_path}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.signals.hold()
        if not self.summary_written and self.signals.received:
            self._write_summary(exits.INTERRUPTED)  # interrupted before the session started: no sessionfinish
        self.signals.restore()
        if self.client:
            self.client.close()
        if self.server:
            self.server.close()


class Target:
    """What a suite test talks to: send a request, then verify the answer against the contract."""

    def __init__(self, gate: Gate, item: pytest.Item, judged: list[Judged]):
        self._gate = gate
        self._item = item
        self._judged = judged  # every exchange, in order, for the report and the coverage

    @property
    def settings(self) -> Settings:
        assert self._gate.settings is not None  # a run with bad settings stops before any test
        return self._gate.settings

    def provoke(self, status: int) -> Exchange:
        """Ask for `status` through its scenario, else with `Prefer: code=NNN`. Another status that comes back is
        judged for its own status, then the test skips: the status is *not provoked*, never passed."""
        scenario = self.settings.scenarios.get(status)
        if scenario is None:
            exchange = self.get(prefer_status=status)
            how = f"'Prefer: code={status}' (it does not honour Prefer; --scenarios says how to provoke {status})"
        else:
            credentials = scenario.credentials or self.settings.credentials
            exchange = self._send(credentials, headers=scenario.headers, query=scenario.query)
            how = scenario.describe()
        provocation = Provocation(status, how, exchange.status)
        self._item.stash[PROVOKED] = provocation
        if exchange.status != status:
            self.verify(exchange, exchange.status)
            pytest.skip(provocation.reason())
        return exchange

    def get(self, *, auth: Auth = "configured", prefer_status: int | None = None) -> Exchange:
        if auth not in AUTH_CHOICES:
            raise ValueError(f"auth must be one of {AUTH_CHOICES}, not {auth!r}")
        credentials = {"configured": self.settings.credentials, "wrong": self.settings.credentials.wrong(), "none": None}[auth]
        return self._send(credentials, prefer_status=prefer_status)

    def _send(self, credentials: Credentials | None, **extras) -> Exchange:
        assert self._gate.client is not None  # made before the first test, once the target answered
        try:
            exchange = self._gate.client.get_organization(credentials=credentials, **extras)
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
            raise ContractViolation(broke.where, [broke.violation], self._gate.show)
        self._judged.append(Judged(exchange))
        self._gate.observe(exchange)
        return exchange

    def verify(self, exchange: Exchange, status: int) -> None:
        """Raise one ContractViolation listing everything wrong with this answer."""
        found = run_checks(exchange, Expectation(status, self.settings.strict_fields))
        violations, known = self._gate.regression.sort(status, found, self._gate.show)
        self._gate.record.violations.update((status, v.check, self._gate.show(v.path)) for v in found)
        for entry in self._judged:
            if entry.exchange is exchange:
                entry.expected, entry.violations, entry.known = status, violations, known
        if violations:
            raise ContractViolation(f"{exchange.method} {exchange.url} -> {exchange.status}", violations, self._gate.show)


def _test_result(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, status: int | None, clean: Callable[[str], str]
) -> TestResult:
    """What a test did, from the exchanges and violations it left in its stash (not from pytest's failure text);
    text from the target is `clean`ed (secrets masked) before anything is cut."""
    outcome = "error" if report.when == "setup" and report.failed else report.outcome
    judged = item.stash.get(EXCHANGES, [])
    provoked = item.stash.get(PROVOKED, None)
    not_provoked = provoked if provoked is not None and provoked.got != status else None
    violations = [v.render(clean) for entry in judged for v in entry.violations or ()]
    reasons = [not_provoked.reason()] if not_provoked is not None else []
    if violations:
        reasons.append("; ".join(violations))
    elif outcome != "passed" and not reasons and call.excinfo is not None:
        reasons.append(_first_line(call.excinfo.value))  # no answer, a skip of the suite's own, an error in setup
    return TestResult(
        name=item.name,
        outcome=outcome,
        verified=any(entry.expected == status and entry.violations is not None for entry in judged),
        answered=not_provoked.got if not_provoked is not None else None,
        reason=_shorten(clean(": ".join(reasons))) if outcome != "passed" else "",
    )


def _skip_reason(report: pytest.TestReport) -> str:
    """The message of a skip, without pytest's `Skipped: ` prefix."""
    message = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr or "")
    return message.removeprefix("Skipped: ") or "no reason given"


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "msg", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _shorten(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _why_not_selected(config: pytest.Config, deselected: bool) -> str:
    """The filters a status's tests fell to: `-m`, `-k`, or the run's paths."""
    if not deselected:
        return "its tests are not in the run's paths"
    options = (("-m", config.option.markexpr), ("-k", config.option.keyword), ("--status", config.option.contract_status))
    filters = [f"{flag} {value!r}" for flag, value in options if value]
    return f"its tests were deselected by {' and '.join(filters) or 'a plugin'}"


def _set_report_base_url(config: pytest.Config, url: str) -> None:
    """pytest-base-url put the (then empty) base URL into the report's environment table at configure."""
    try:
        from pytest_metadata.plugin import metadata_key
    except ImportError:
        return
    if metadata_key in config.stash:
        config.stash[metadata_key]["Base URL"] = url


def _hide_base_url_credentials(config: pytest.Config) -> None:
    """A base URL with `user:password@` is refused (exit 4); before that, pytest-base-url would print it in
    the header and put it in the report's environment table, so it gets the URL without them."""
    url = config.getoption("base_url", None) or config.getini("base_url") or ""
    if hide_userinfo(url) != url:
        config.option.base_url = hide_userinfo(url)


def _html_extra(content: str) -> dict:
    from pytest_html import extras

    return extras.html(content)
