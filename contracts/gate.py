"""The pytest plugin behind `suites/`: configuration, target, exchanges, verdicts and run outputs.

Loaded with `-p contracts.gate` from pytest.ini, so its options parse like pytest's own
(`--request-timeout 5`, not only `--request-timeout=5`); it stays inert unless the run collects suites/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from . import exits
from .checks import Expectation, drift, run_checks
from .config import DEFAULT_TIMEOUT, ConfigError, Settings, hide_userinfo, resolve_settings
from .http import Exchange, TargetClient, TargetUnreachable
from .printable import printable
from .redaction import Redactor, cookie_values
from .report import RunRecord, exchange_html, write_summary
from .schemas import SchemaSetupError, assert_formats_live
from .server import start_reference_server
from .violations import ContractViolation, shorten

EXCHANGES = pytest.StashKey[list]()
AUTH_CHOICES = ("configured", "wrong", "none")
DRIFT_PATH_LIMIT = 160


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "organization contract gate")
    group.addoption(
        "--request-timeout",
        default=None,
        metavar="SECONDS",
        help=f"timeout of every request to the target (default {DEFAULT_TIMEOUT:g})",
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


def runs_suites(config: pytest.Config) -> bool:
    """True when the run collects from suites/: only then is this a gate run (not, say, `pytest tests`)."""
    suites = (config.rootpath / "suites").resolve()
    for arg in config.args:
        path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if path == suites or suites in path.parents or path in suites.parents:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not runs_suites(config):
        return
    reports = config.rootpath / "reports"
    # Reports by default, before pytest-html and junitxml read their options.
    if getattr(config.option, "htmlpath", None) is None:
        config.option.htmlpath = str(reports / "report.html")
    config.option.self_contained_html = True
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(reports / "junit.xml")
    summary = config.getoption("summary_json") or str(reports / "summary.json")
    config.pluginmanager.register(Gate(config, Path(summary)), "contract-gate")


def settings_from(config: pytest.Config) -> Settings:
    """Read before pytest-base-url folds its ini value into the option, so an empty value is seen as empty."""
    try:
        assert_formats_live()
    except SchemaSetupError as exc:
        raise ConfigError(str(exc)) from None
    return resolve_settings(
        base_url=config.getoption("base_url", None),
        ini_base_url=config.getini("base_url") or "",
        timeout=config.getoption("request_timeout"),
        strict_fields=config.getoption("strict_fields"),
    )


class Gate:
    """One run of the gate: holds the settings, the target, the redactor and what the run saw."""

    def __init__(self, config: pytest.Config, summary_path: Path):
        self.config = config
        self.summary_path = summary_path
        self.record = RunRecord(started=time.time())
        self.server = None
        self.client: TargetClient | None = None
        self.error: ConfigError | None = None
        try:
            self.settings: Settings | None = settings_from(config)
        except ConfigError as exc:
            self.settings, self.error = None, exc
        self.redact = Redactor.for_credentials(self.settings.credentials if self.settings else None)
        _hide_base_url_credentials(config)

    def show(self, text: str) -> str:
        """Text fit for any output: secrets masked, then control characters made visible (cut and escape after)."""
        return printable(self.redact(text))

    # -- start-up -----------------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if self.settings and self.settings.embedded:
            self.server = start_reference_server(self.settings.credentials)
            self.settings = Settings(
                self.server.url, self.settings.credentials, self.settings.timeout, self.settings.strict_fields, embedded=True
            )
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
        return [self.show(f"contract target: {where}"), f"request timeout: {s.timeout:g}s, strict fields: {strict}"]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.error is not None:
            self.record.stopped = f"bad configuration: {self.error}"
            raise pytest.UsageError(str(self.error))
        self.record.planned = {m.args[0] for item in session.items for m in item.iter_markers("status")}
        if not any("target" in getattr(item, "fixturenames", ()) for item in session.items):
            return  # offline tests only: no target to reach
        self.client = TargetClient(self.settings)
        try:
            self.client.probe()
        except TargetUnreachable as exc:
            # One diagnosis for the whole run instead of one timeout per test; reports are still written.
            self.record.stopped = f"target unreachable: {self.show(str(exc))}"
            self.config.hook.pytest_deselected(items=list(session.items))
            session.items[:] = []

    # -- the fixture the suites use -----------------------------------------------------------

    @pytest.fixture
    def target(self, request: pytest.FixtureRequest) -> Target:
        judged: list = []
        request.node.stash[EXCHANGES] = judged
        return Target(self, judged)

    # -- verdicts and report ------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.excinfo is not None and call.excinfo.errisinstance(ContractViolation):
            report.longrepr = str(call.excinfo.value)  # the violations, not a traceback
        self._redact_report(report)  # before the record reads (and cuts) the failure text
        judged = item.stash.get(EXCHANGES, [])
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            extras = getattr(report, "extras", [])
            for exchange, violations in judged:
                extras.append(_html_extra(self.redact(exchange_html(exchange, violations, self.show))))
            report.extras = extras
            self.record.add(item, report)
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

    def pytest_html_report_title(self, report) -> None:
        report.title = "Contract gate: GET /account/organization"

    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session: pytest.Session) -> None:
        from .report import summary_html

        prefix.append(self.redact(summary_html(self.record, self.show)))

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.record.stopped and self.error is None:
            session.exitstatus = exits.UNREACHABLE
        elif exitstatus == 0 and self.record.counts["passed"] == 0:
            session.exitstatus = exits.NO_CHECK_RAN
        self.record.exit_status = int(session.exitstatus)
        write_summary(self.summary_path, self.record, self.show)

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        tr = terminalreporter
        if self.record.stopped:
            tr.write_line(self.show(self.record.stopped), red=True, bold=True)
        if self.record.drift:
            tr.write_sep("-", "contract drift: undocumented fields (allowed; --strict-fields fails on them)")
            for (status, path), count in sorted(self.record.drift.items()):
                tr.write_line(f"{status} {shorten(self.show(path), DRIFT_PATH_LIMIT)}  (seen {count}x)")
        if self.record.verdicts():
            tr.write_sep("-", "per-status verdicts")
            for status, verdict in self.record.verdicts().items():
                tr.write_line(self.show(f"{status}: {verdict.line()}"))
        tr.write_line(f"reports: {self.config.option.htmlpath}, {self.config.option.xmlpath}, {self.summary_path}")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self.client:
            self.client.close()
        if self.server:
            self.server.close()


class Target:
    """What a suite test talks to: send a request, then verify the answer against the contract."""

    def __init__(self, gate: Gate, judged: list):
        self._gate = gate
        self._judged = judged  # [exchange, violations or None], in order, for the report

    @property
    def settings(self) -> Settings:
        return self._gate.settings

    def get(self, *, auth: str = "configured", prefer_status: int | None = None) -> Exchange:
        if auth not in AUTH_CHOICES:
            raise ValueError(f"auth must be one of {AUTH_CHOICES}, not {auth!r}")
        credentials = {"configured": self.settings.credentials, "wrong": self.settings.credentials.wrong(), "none": None}[auth]
        try:
            exchange = self._gate.client.get_organization(credentials=credentials, prefer_status=prefer_status)
        except TargetUnreachable as exc:
            unreachable = str(exc)
        else:
            unreachable = None
        if unreachable:  # failed outside the except block, so no chained traceback reaches the report
            pytest.fail(f"no answer: {unreachable}", pytrace=False)
        self._judged.append([exchange, None])
        self._gate.observe(exchange)
        return exchange

    def verify(self, exchange: Exchange, status: int) -> None:
        """Raise one ContractViolation listing everything wrong with this answer."""
        violations = run_checks(exchange, Expectation(status, self.settings.strict_fields))
        for entry in self._judged:
            if entry[0] is exchange:
                entry[1] = violations
        if violations:
            raise ContractViolation(f"{exchange.method} {exchange.url} -> {exchange.status}", violations, self._gate.show)


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
