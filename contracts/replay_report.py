"""The replay's run outputs in the gate's formats: report.html, junit.xml and summary.json."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .coverage import TestResult
from .redaction import Redactor
from .regression import Regression
from .replay import SHOWN, Options, StatusTally, Verdicts, table
from .report import RunRecord, summary_html, write_summary
from .report_page import STYLE
from .table import CONTRACT


@dataclass
class ReplayRecord(RunRecord):
    """The gate's run record, with what only a replay has: the captures and the per-status exchange counts."""

    replay: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "replay": self.replay}


PATHS_NAMED = 5  # paths named in a status's verdict, the most frequent first; every exchange shown is further down


def _result(tally: StatusTally, status: int, verdicts: Verdicts) -> TestResult:
    """The recorded exchanges of one status, judged as one test of it: how many violate, where, and the first."""
    if not tally.violating:
        return TestResult(f"{tally.exchanges:,} recorded exchanges", "passed", verified=True)
    paths = Counter({path: n for (of, _, path), n in (verdicts.seen - verdicts.known).items() if of == status})
    named = ", ".join(f"{path} ({n:,})" for path, n in paths.most_common(PATHS_NAMED))
    more = f" and {len(paths) - PATHS_NAMED:,} more" if len(paths) > PATHS_NAMED else ""
    first = next((f"{s.label}: {'; '.join(s.violations)}" for s in verdicts.violating if s.status == status), "")
    reason = f"{tally.violating:,} of {tally.exchanges:,} exchanges violate, at {named}{more}; the first: {first}"
    return TestResult(f"{tally.exchanges:,} recorded exchanges", "failed", verified=True, reason=reason)


def record_of(verdicts: Verdicts, files: list[str], *, started: float, exit_status: int, options: Options) -> ReplayRecord:
    record = ReplayRecord(started=started, target="captures: " + ", ".join(files), exit_status=exit_status)
    record.counts.update(
        {"passed": verdicts.exchanges - verdicts.violations, "failed": verdicts.violations, "error": verdicts.unreadable_count}
    )
    record.drift.update(verdicts.drift)
    record.violations.update(verdicts.seen)
    for status in CONTRACT:
        tally = verdicts.statuses.get(status)
        if tally is None or not tally.exchanges:
            record.not_selected[status] = "no exchange with this status in the captures"
            continue
        record.selected.add(status)
        record.results[status] = [_result(tally, status, verdicts)]  # the counts above are per exchange, not per status
    record.replay = {
        "files": files,
        "strict_fields": sorted(options.strict_fields),
        "exchanges": verdicts.exchanges,
        "violating": verdicts.violations,
        "ignored": verdicts.ignored,
        "unreadable": verdicts.unreadable_count,
        "unreadable_entries": verdicts.unreadable,
        "without_recorded_body": verdicts.unrecorded,
        "per_status": {str(s): vars(t) for s, t in sorted(verdicts.statuses.items())},
        "shown_in_full": len(verdicts.violating) + len(verdicts.conforming[: max(0, SHOWN - len(verdicts.violating))]),
    }
    return record


# The gate's report reads in pytest-html's sans-serif; this page, which has no pytest-html around it, the same.
_PAGE_STYLE = "<style>body { font-family: Helvetica, Arial, sans-serif; font-size: 14px; } pre, code { font-size: 12px; }</style>" + STYLE


def _html(record: ReplayRecord, verdicts: Verdicts, regression_html: str = "") -> str:
    shown = verdicts.violating + verdicts.conforming[: max(0, SHOWN - len(verdicts.violating))]
    more = verdicts.violations - len(verdicts.violating)
    exchanges = "".join(f"<h3>{escape(s.label)}: {s.status}</h3>{s.html}" for s in shown)
    not_shown = f"<p>{more:,} more violating exchanges are counted above but not shown.</p>" if more > 0 else ""
    unreadable = "".join(f"<li><code>{escape(line)}</code></li>" for line in verdicts.unreadable)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Contract replay: GET /account/organization</title>'
        f"{_PAGE_STYLE}</head><body>"
        "<h1>Contract replay: GET /account/organization</h1>"
        f"<p><b>Verdict: {'violated' if verdicts.violations else 'honoured' if verdicts.exchanges else 'nothing judged'}</b></p>"
        f"{summary_html(record)}{regression_html}"
        f"<h3>Exchanges by status</h3><pre>{escape(chr(10).join(table(verdicts)))}</pre>"
        + (f"<h3>Entries that could not be read ({verdicts.unreadable_count:,})</h3><ul>{unreadable}</ul>" if unreadable else "")
        + f"<h2>Exchanges (violating first; at most {SHOWN} in full)</h2>{exchanges}{not_shown}</body></html>"
    )


def _junit(verdicts: Verdicts) -> ET.Element:
    """One test case per recorded status; its failure lists the violating exchanges shown in full."""
    suite = ET.Element("testsuite", name="contracts.replay", tests=str(len(verdicts.statuses)), errors="0", skipped="0")
    failures = 0
    for status, tally in sorted(verdicts.statuses.items()):
        case = ET.SubElement(suite, "testcase", classname="contracts.replay", name=f"status {status}: {tally.exchanges} exchanges")
        if tally.violating:
            failures += 1
            lines = [f"{s.label}: {'; '.join(s.violations)}" for s in verdicts.violating if s.status == status]
            hidden = tally.violating - len(lines)
            text = "\n".join(lines + ([f"… and {hidden:,} more violating exchanges"] if hidden else []))
            ET.SubElement(case, "failure", message=f"{tally.violating:,} of {tally.exchanges:,} exchanges violate the contract").text = text
    suite.set("failures", str(failures))
    return suite


def write_reports(directory: Path, verdicts: Verdicts, record: ReplayRecord, *, options: Options, regression: Regression) -> list[Path]:
    """Write the three outputs, every one redacted with every secret the captures and the environment hold;
    the summary joins the history folder beside them, and the report shows the strip drawn from it."""
    redact = Redactor((*verdicts.secrets, *options.environment_secrets))
    directory.mkdir(parents=True, exist_ok=True)
    html, junit, summary = directory / "report.html", directory / "junit.xml", directory / "summary.json"
    xml = ET.tostring(_junit(verdicts), encoding="unicode", xml_declaration=True)
    junit.write_text(redact(xml), encoding="utf-8")
    write_summary(summary, record, redact)
    json.loads(summary.read_text(encoding="utf-8"))  # fail here, not in CI's reader, should it ever not be JSON
    regression.keep(summary, record.started, complete=True)
    html.write_text(redact(_html(record, verdicts, regression.html(record, redact))), encoding="utf-8")
    return [html, junit, summary]
