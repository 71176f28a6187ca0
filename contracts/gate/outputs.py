"""What the gate writes: each test's verdict and exchanges into its report, pytest-html's page around the run
record, the console's coverage lines, and at the end the three files, whole, with the verdict line last."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key

from contracts.core import exits
from contracts.core.coverage import TestResult
from contracts.core.violations import ContractViolation, shorten
from contracts.gate.run import GateRun
from contracts.gate.selection import OFFLINE_MARKER
from contracts.gate.target import EXCHANGES, PROVOKED
from contracts.reporting.html import exchange_html, summary_sections
from contracts.reporting.page import FOLDED_OUTCOMES, SCRIPT, STYLE, run_count_html
from contracts.reporting.record import not_verified_line, summary_text

_TARGET_FILE = Path(__file__).with_name("target.py").resolve()
DRIFT_PATH_LIMIT = 160  # characters of one drift path on the console
DRIFT_LINES = 20  # drift paths listed on the console; the report lists them all


class GateOutputs:
    """The gate's reporting hooks: registered beside the plugin, reading and writing the run's state."""

    def __init__(self, run: GateRun):
        self.run = run

    # -- each test --------------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        run = self.run
        if call.excinfo is not None and call.excinfo.errisinstance(ContractViolation):
            report.longrepr = str(call.excinfo.value)  # the violations, not a traceback
        if report.skipped and isinstance(report.longrepr, tuple) and Path(str(report.longrepr[0])).resolve() == _TARGET_FILE:
            # A status the target could not be made to give is skipped from inside `Target.provoke`: point at the test.
            path, line = item.reportinfo()[:2]
            report.longrepr = (str(path), (line or 0) + 1, report.longrepr[2])
        self._redact_report(report)  # before the record reads (and cuts) the failure text
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            extras = getattr(report, "extras", [])
            if report.skipped:
                extras.append(_html_extra(f"<p><b>Skipped:</b> {escape(_skip_reason(report))}</p>"))
            marker = item.get_closest_marker("status")
            asked = marker.args[0] if marker else None
            for entry in item.stash.get(EXCHANGES, []):
                html = exchange_html(
                    entry.exchange, entry.violations if entry.judged else None, run.show, entry.known, judged_as=_judged_as(entry, asked)
                )
                extras.append(_html_extra(run.redact(html)))
            report.extras = extras
            run.record.add(_test_result(item, report, call, asked, run.show), asked)
        return report

    def _redact_report(self, report: pytest.TestReport) -> None:
        show = self.run.show
        if isinstance(report.longrepr, tuple):  # a skip: (path, line, message)
            path, line, message = report.longrepr
            report.longrepr = (path, line, show(message))
        elif report.longrepr is not None:
            text = str(report.longrepr)
            shown = show(text)
            if shown != text:
                report.longrepr = shown
        report.sections = [(name, show(content)) for name, content in report.sections]

    # -- pytest-html's page ----------------------------------------------------------------------------

    def pytest_html_report_title(self, report) -> None:
        report.title = "Contract gate: GET /account/organization"

    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session: pytest.Session) -> None:
        run = self.run
        sections = summary_sections(run.record, run.show)
        sections.insert(1, run.regression.html(run.record, run.show))  # since the baseline, known violations, history
        prefix.append(STYLE + run.redact("".join(sections)))
        tests = sum(run.record.counts.values())
        against_target = sum(len(results) for results in run.record.results.values())
        count = run_count_html(tests, against_target, time.time() - run.record.started)
        postfix.append(run.redact(run.folded.html(run.offline_in_table)) + count + SCRIPT)

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells[:] = [cell for cell in cells if "Links" not in cell]  # the gate links nothing: an empty column

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        cells[:] = [cell for cell in cells if 'class="col-links"' not in cell]
        if OFFLINE_MARKER not in report.keywords:
            return
        shown = report.when == "call" or report.outcome != "passed"  # pytest-html shows these reports of a test
        if report.outcome not in FOLDED_OUTCOMES:
            self.run.offline_in_table[report.outcome] += shown
            return
        if shown:
            self.run.folded.add(report.nodeid, report.outcome)
        cells.clear()  # no row, not even an empty entry: the folded group counts it

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """Each failure once: where the extras show the violations and the exchange, pytest's text would repeat them;
        a skip says why in words rather than pytest's (path, line, message) tuple."""
        if getattr(report, "extras", None):
            data.clear()
        elif report.skipped:
            data[:] = [escape(f"Skipped: {_skip_reason(report)}")]

    # -- the end of the run -----------------------------------------------------------------------------

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        _render_page_in_memory(session.config, self._page_rendered)
        _guard_junit_writer(session.config, self._junit_failed)

    def _page_rendered(self, page: str) -> None:
        self.run.page = page

    def _junit_failed(self, exc: OSError) -> None:
        """What JUnit wrote is cut short: never published."""
        staged = self.run.paths.staged_junit
        self.run.outputs.failed(staged, exc)
        staged.unlink(missing_ok=True)

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int):
        """After pytest-html rendered its page and JUnit wrote into the private folder: the files go to their places
        whole, then the summary with the run's final exit status (which says so when a file could not be written)."""
        result = yield
        run = self.run
        run.signals.hold()
        html = run.page is not None and run.outputs.write_text(run.paths.html, run.page)
        junit = run.paths.staged_junit.exists() and run.outputs.publish(run.paths.staged_junit, run.paths.junit)
        _point_writers_at(session.config, run.paths.html if html else None, run.paths.junit if junit else None)
        self.write_summary(session)
        # Only runs that checked the target to the end are kept: others would make a misleading `--baseline last`.
        complete = run.error is None and not run.record.stopped and not run.signals.received and bool(run.record.selected)
        if run.summary_written:
            run.regression.keep(run.paths.summary, run.record.started, complete=complete)
        return result

    def write_summary(self, session: pytest.Session | None, exit_status: int | None = None) -> None:
        """summary.json with the run's final exit status: made `OUTPUTS_NOT_WRITTEN` by a file that could not be written."""
        run = self.run
        if run.signals.received:  # also before the session started, when no sessionfinish said so
            run.record.interrupted, run.record.stopped = True, f"interrupted by {run.signals.received}"
        code = int(session.exitstatus) if session is not None else int(exit_status or 0)
        run.judged_exit = code
        run.record.exit_status = exits.with_outputs_lost(code) if run.outputs.problems else code
        run.summary_written = run.outputs.write_text(run.paths.summary, summary_text(run.record, run.show))
        if not run.summary_written:
            run.record.exit_status = exits.with_outputs_lost(code)
        if session is not None:
            session.exitstatus = run.record.exit_status

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int, config: pytest.Config) -> None:
        tr, run = terminalreporter, self.run
        show = run.show
        if run.record.stopped:
            tr.write_line(show(run.record.stopped), red=True, bold=True)
        if run.record.cause:
            tr.write_line(show(f"cause: {run.record.cause}"), red=True, bold=True)
        if run.record.drift:
            tr.write_sep("-", "contract drift: undocumented fields (allowed; --strict-fields fails on them)")
            drift = sorted(run.record.drift.items())
            for (status, path), count in drift[:DRIFT_LINES]:
                tr.write_line(f"{status} {shorten(show(path), DRIFT_PATH_LIMIT)}  (seen {count}x)")
            if len(drift) > DRIFT_LINES:
                tr.write_line(f"… and {len(drift) - DRIFT_LINES:,} more undocumented fields: see the report")
        if run.settings is not None and not run.record.stopped:
            tr.write_sep("-", "per-status coverage")
            for status, covered in run.record.coverage().items():
                required = " (required)" if covered.required else ""
                tr.write_line(show(f"{status}{required}: {covered.line()}"))
            unverified = run.record.unverified_required()
            if unverified:
                tr.write_line(show(f"not a pass: {not_verified_line(unverified)}"), red=True, bold=True)
        for line, markup in run.regression.console_lines(show):
            tr.write_line(line, **markup)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The run's last words, as in every way in: the verdict line, then where the outputs are (or why not)."""
        run = self.run
        run.signals.hold()
        if not run.summary_written and run.signals.received:
            self.write_summary(None, exits.INTERRUPTED)  # interrupted before the session started: no sessionfinish
        code = run.record.exit_status
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and code is not None:
            markup = {"green": True} if code == exits.HONOURED else {"red": True}
            reporter.write_line(exits.verdict_line(code, judged=run.judged_exit), bold=True, **markup)
            for line in run.outputs.lines():
                reporter.write_line(run.show(line), red=line.startswith("outputs not written"))
        run.close()


def _judged_as(entry, asked: int | None) -> int | None:
    """The status an answer was judged for, when it is not the one the test asked for (a status not provoked)."""
    if not entry.judged:
        return None
    judged = entry.exchange.status if entry.asked is None else entry.asked
    return judged if judged != asked else None


def _test_result(
    item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo, status: int | None, clean: Callable[[str], str]
) -> TestResult:
    """What a test did, from the exchanges and violations it left in its stash (not from pytest's failure text);
    text from the target is `clean`ed (secrets masked) before anything is cut."""
    outcome = "error" if report.when == "setup" and report.failed else report.outcome
    judged = item.stash.get(EXCHANGES, [])
    provoked = item.stash.get(PROVOKED, None)
    not_provoked = provoked if provoked is not None and provoked.got != status and not provoked.refused else None
    violations = [v.render(clean) for entry in judged for v in entry.violations]
    reasons = [not_provoked.reason()] if not_provoked is not None else []
    if provoked is not None and provoked.refused:
        reasons.append(provoked.refused)  # not attempted, not "not provoked": the status could not be asked for
    if violations:
        reasons.append("; ".join(violations))
    elif outcome != "passed" and not reasons and call.excinfo is not None:
        reasons.append(_first_line(call.excinfo.value))  # no answer, a skip of the suite's own, an error in setup
    return TestResult(
        name=item.name,
        outcome=outcome,
        verified=any(entry.judged and entry.asked == status for entry in judged),
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


def _is_page_writer(plugin: object) -> bool:
    return hasattr(plugin, "_report_path") and hasattr(plugin, "_write_report")  # pytest-html's report


def _render_page_in_memory(config: pytest.Config, keep: Callable[[str], None]) -> None:
    """pytest-html writes its page in place, which a full disk cuts short: it hands the page over instead, and the
    gate writes it whole (or says why not)."""
    for plugin in config.pluginmanager.get_plugins():
        if _is_page_writer(plugin):
            plugin._write_report = keep  # type: ignore[attr-defined]


def _guard_junit_writer(config: pytest.Config, failed: Callable[[OSError], None]) -> None:
    """JUnit's writer raises when its file cannot be written (a full disk, a file-size limit): a traceback, and the
    session-finish hooks after it skipped, pytest-html's among them. Its failure becomes a problem line instead."""
    writer = config.stash.get(xml_key, None)
    for hook in config.hook.pytest_sessionfinish.get_hookimpls():
        if writer is not None and hook.plugin is writer:
            hook.function = functools.partial(_guarded, hook.function, failed)  # type: ignore[misc]  # pluggy calls it


def _guarded(write: Callable[[], object], failed: Callable[[OSError], None]) -> None:
    try:
        write()
    except OSError as exc:
        failed(exc)


def _point_writers_at(config: pytest.Config, html: Path | None, junit: Path | None) -> None:
    """pytest-html and JUnit name the file they wrote on the console; they wrote (or rendered) private copies, the
    reader wants the real ones. One whose file was not written says nothing: it would name a file that is not there."""
    manager = config.pluginmanager
    for plugin in manager.get_plugins():
        if _is_page_writer(plugin):
            if html is None:
                manager.unregister(plugin)
            else:
                plugin._report_path = html  # type: ignore[attr-defined]
    writer = config.stash.get(xml_key, None)
    if writer is not None and junit is None:
        manager.unregister(writer)
        del config.stash[xml_key]  # junitxml's unconfigure would unregister it again
    elif writer is not None:
        writer.logfile = str(junit)


def _html_extra(content: str) -> dict:
    from pytest_html import extras

    return extras.html(content)
