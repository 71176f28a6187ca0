"""One gate run's state: its settings, the target and its client, the run record, the regression, the redactor and
the outputs; `show` makes any text fit for an output, `judged` records what one verdict found."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from contracts.core import exits
from contracts.core.credentials import ConfigError, Credentials, refused_cause
from contracts.core.exchange import Exchange
from contracts.core.printable import printable
from contracts.core.redaction import Redactor, cookie_values
from contracts.core.violations import Violation
from contracts.judging.checks import Verdict
from contracts.judging.schemas import SchemaSetupError, assert_formats_live
from contracts.lifecycle.outputs import Outputs
from contracts.lifecycle.signals import InterruptOnSignals
from contracts.regression.regression import Regression
from contracts.reporting.page import FoldedTests
from contracts.reporting.record import RunRecord
from contracts.settings.config import Settings, check_require, hide_userinfo, resolve_settings
from contracts.settings.scenarios import load_scenarios
from contracts.transport.http import TargetClient

if TYPE_CHECKING:
    from contracts.transport.server import RunningServer  # werkzeug is imported only for the embedded server


@dataclasses.dataclass(frozen=True)
class OutputPaths:
    """Where the run's three outputs go, and where JUnit writes first (a private folder; pytest-html renders into
    memory), so that only whole files reach the reports folder."""

    html: Path
    junit: Path
    summary: Path
    staging: Path

    @property
    def staged_html(self) -> Path:
        return self.staging / self.html.name

    @property
    def staged_junit(self) -> Path:
        return self.staging / self.junit.name


def output_paths(config: pytest.Config) -> OutputPaths:
    """The user's paths (options, else `reports/` beside the ini file); pytest-html and JUnit are pointed at the
    private folder before they read their options."""
    reports = config.rootpath / "reports"
    html = Path(getattr(config.option, "htmlpath", None) or reports / "report.html")
    junit = Path(getattr(config.option, "xmlpath", None) or reports / "junit.xml")
    summary = Path(config.getoption("summary_json") or reports / "summary.json")
    paths = OutputPaths(html.absolute(), junit.absolute(), summary.absolute(), Path(tempfile.mkdtemp(prefix="contract-gate-")))
    config.option.htmlpath = str(paths.staged_html)
    config.option.self_contained_html = True
    config.option.xmlpath = str(paths.staged_junit)
    return paths


class GateRun:
    """Holds what the hooks, the `target` fixture and the outputs share; made at configure time."""

    def __init__(self, config: pytest.Config, paths: OutputPaths):
        self.config = config
        self.paths = paths
        self.record = RunRecord(started=time.time())
        self.server: RunningServer | None = None
        self.client: TargetClient | None = None
        self.error: ConfigError | None = None
        self.deselected: set[int] = set()  # statuses of tests that -m/-k (or another plugin) deselected
        self.stopped_exit = exits.UNREACHABLE  # the exit status when the run stops at the probe
        self.regression = Regression(paths.summary, keep_history=False)
        try:
            self.settings: Settings | None = settings_from(config)
            self.regression = regression_from(config, paths.summary)
        except ConfigError as exc:
            self.settings, self.error = None, exc
        self.redact = Redactor.for_credentials(*(self.settings.every_credentials() if self.settings else ()))
        self.outputs = Outputs([paths.html, paths.junit, paths.summary])
        self.outputs.clear()  # after the baseline was read: it may be the summary about to be removed
        self.signals = InterruptOnSignals()  # SIGTERM (a CI timeout) ends the run like Ctrl-C, reports written
        self.signals.install()
        self.summary_written = False
        self.refusing: dict[Credentials, bool] = {}  # credentials -> whether a plain request with them got 401
        self.page: str | None = None  # report.html as pytest-html rendered it, written whole at the end
        self.judged_exit: int | None = None  # the exit status before outputs that could not be written changed it
        self.folded = FoldedTests()  # offline property tests kept out of the report's results table
        self.offline_in_table: Counter[str] = Counter()  # … and those shown in it (they did not pass)
        _hide_base_url_credentials(config)

    def show(self, text: str) -> str:
        """Text fit for any output: secrets masked, then control characters made visible (cut and escape after)."""
        return printable(self.redact(text))

    def start_target(self) -> None:
        """The embedded reference server, when no base URL is given (werkzeug is imported only then)."""
        if self.settings and self.settings.embedded:
            from contracts.transport.server import start_reference_server

            self.server = start_reference_server(self.settings.credentials)
            self.settings = dataclasses.replace(self.settings, base_url=self.server.url)
            self.config.option.base_url = self.server.url
            _set_report_base_url(self.config, self.server.url)
        if self.settings:
            self.record.target = self.settings.base_url
            self.record.embedded = self.settings.embedded

    def exchanged(self, exchange: Exchange) -> None:
        """Every answer the target gave: a cookie it sets is a credential too, masked wherever it is echoed."""
        for value in cookie_values(exchange.response_headers):
            self.redact.add(value)
        self.record.elapsed.setdefault(exchange.status, []).append(exchange.elapsed)

    def answered_plain(self, credentials: Credentials, status: int) -> None:
        """A plain request (no `Prefer`, no scenario's extras) with these credentials got `status`: 401 means the target
        refuses the credentials themselves. The run's own refused are the run's cause, or a stale CI secret would
        read as a broken deploy."""
        self.refusing[credentials] = status == 401
        assert self.settings is not None
        if status != 401 or credentials != self.settings.credentials:
            return
        self.record.cause = (
            f"{refused_cause(credentials)}. "
            "Statuses asked for with them were not attempted because of it, not because the target ignores Prefer"
        )

    def judged(self, status: int | None, exchange: Exchange, verdict: Verdict) -> tuple[list[Violation], list[Violation]]:
        """Record one verdict: its drift and violations, sorted into new and known ones."""
        judged_as = exchange.status if status is None else status
        for path in verdict.drift:
            self.record.drift[(exchange.status, path)] += 1
        if exchange.truncated_at is None and exchange.body_recorded:  # a body read whole: evidence of what the service sends
            self.record.evidence.answer(exchange.status, exchange.body, verdict.drift, valid=not verdict.violations, clean=self.redact)
        self.record.violations.update((judged_as, v.check, self.show(v.path)) for v in verdict.violations)
        return self.regression.sort(judged_as, list(verdict.violations), self.show)

    def close(self) -> None:
        self.signals.restore()
        if self.client:
            self.client.close()
        if self.server:
            self.server.close()
        shutil.rmtree(self.paths.staging, ignore_errors=True)


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
    settings = dataclasses.replace(settings, only_statuses=only_statuses, required=required)
    scenarios_file = config.getoption("scenarios") or _ini_path(config, "contract_scenarios")
    if not scenarios_file:
        return settings
    if settings.embedded:
        # Scenarios say how to provoke a real deployment; without a base URL they would quietly go unused.
        raise ConfigError(
            f"--scenarios {scenarios_file} is set but no base URL is: give --base-url (or PYTEST_BASE_URL), or drop --scenarios"
        )
    return dataclasses.replace(settings, scenarios=load_scenarios(scenarios_file))


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
