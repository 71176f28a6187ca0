"""The replay's run outputs in the gate's formats: report.html, junit.xml and summary.json."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from contracts.core import exits
from contracts.core.contract import CONTRACT
from contracts.core.coverage import TestResult
from contracts.core.redaction import Redactor
from contracts.core.wording import counted
from contracts.lifecycle.outputs import Outputs
from contracts.regression.regression import Regression
from contracts.replay.judge import SHOWN, Options, Shown, StatusTally, Verdicts
from contracts.reporting.html import exchange_html, summary_sections
from contracts.reporting.page import PAGE_STYLE
from contracts.reporting.record import Clean, RunRecord, summary_text


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
        return TestResult(counted(tally.exchanges, "recorded exchange"), "passed", verified=True)
    paths = Counter({path: n for (of, _, path), n in (verdicts.seen - verdicts.known).items() if of == status})
    named = ", ".join(f"{path} ({n:,})" for path, n in paths.most_common(PATHS_NAMED))
    more = f" and {len(paths) - PATHS_NAMED:,} more" if len(paths) > PATHS_NAMED else ""
    first = next((f"{s.label}: {'; '.join(s.violations)}" for s in verdicts.violating if s.status == status), "")
    reason = f"{tally.violating:,} of {counted(tally.exchanges, 'exchange')} violate{'s' if tally.exchanges == 1 else ''}, at {named}{more}; the first: {first}"
    return TestResult(counted(tally.exchanges, "recorded exchange"), "failed", verified=True, reason=reason)


def record_of(verdicts: Verdicts, files: list[str], *, started: float, exit_status: int, options: Options) -> ReplayRecord:
    record = ReplayRecord(started=started, target="captures: " + ", ".join(files), exit_status=exit_status, way_in="replay")
    record.counts.update(
        {"passed": verdicts.exchanges - verdicts.violations, "failed": verdicts.violations, "error": verdicts.unreadable_count}
    )
    record.drift.update(verdicts.drift)
    record.violations.update(verdicts.seen)
    record.evidence = verdicts.evidence
    for status in CONTRACT:
        tally = verdicts.statuses.get(status)
        if tally is None or not tally.exchanges:
            record.not_seen[status] = "no exchange with this status in the captures"
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


def _exchange_html(shown: Shown, options: Options) -> str:
    """One exchange in full, rendered once, for the report that keeps it; masked with its own credentials too."""
    redact = Redactor((*shown.entry.secrets, *options.environment_secrets))
    return redact(exchange_html(shown.entry.exchange, list(shown.found)))


def _html(record: ReplayRecord, verdicts: Verdicts, clean: Clean, options: Options, regression_html: str = "") -> str:
    shown = verdicts.violating + verdicts.conforming[: max(0, SHOWN - len(verdicts.violating))]
    more = verdicts.violations - len(verdicts.violating)
    exchanges = "".join(f"<h3>{escape(s.label)}: {s.status}</h3>{_exchange_html(s, options)}" for s in shown)
    not_shown = (
        f"<p>{counted(more, 'more violating exchange')} {'is' if more == 1 else 'are'} counted above but not shown.</p>" if more > 0 else ""
    )
    unreadable = "".join(f"<li><code>{escape(line)}</code></li>" for line in verdicts.unreadable)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Contract replay: GET /account/organization</title>'
        f"{PAGE_STYLE}</head><body>"
        "<h1>Contract replay: GET /account/organization</h1>"
        f"{''.join(summary_sections(record, clean))}{regression_html}"
        f"<h3>Exchanges by status</h3><pre>{escape(chr(10).join(table(verdicts)))}</pre>"
        + (f"<h3>Entries that could not be read ({verdicts.unreadable_count:,})</h3><ul>{unreadable}</ul>" if unreadable else "")
        + f"<h2>Exchanges (violating first; at most {SHOWN} in full)</h2>{exchanges}{not_shown}</body></html>"
    )


def _junit(verdicts: Verdicts) -> ET.Element:
    """One test case per recorded status; its failure lists the violating exchanges shown in full."""
    suite = ET.Element("testsuite", name="contracts.replay", tests=str(len(verdicts.statuses)), errors="0", skipped="0")
    failures = 0
    for status, tally in sorted(verdicts.statuses.items()):
        case = ET.SubElement(
            suite, "testcase", classname="contracts.replay", name=f"status {status}: {counted(tally.exchanges, 'exchange')}"
        )
        if tally.violating:
            failures += 1
            lines = [f"{s.label}: {'; '.join(s.violations)}" for s in verdicts.violating if s.status == status]
            hidden = tally.violating - len(lines)
            text = "\n".join(lines + ([f"… and {counted(hidden, 'more violating exchange')}"] if hidden else []))
            ET.SubElement(
                case,
                "failure",
                message=f"{tally.violating:,} of {counted(tally.exchanges, 'exchange')} violate{'s' if tally.exchanges == 1 else ''} the contract",
            ).text = text
    suite.set("failures", str(failures))
    return suite


OUTPUT_NAMES = ("report.html", "junit.xml", "summary.json")


def write_reports(
    directory: Path, verdicts: Verdicts, record: ReplayRecord, *, options: Options, regression: Regression, outputs: Outputs
) -> None:
    """The three outputs, each whole, every one redacted with every secret the captures and the environment hold;
    summary.json last, with the run's final exit status (which says so when another file could not be written),
    then joins the history folder beside them."""
    redact = Redactor((*verdicts.secrets, *options.environment_secrets))
    html, junit, summary = (directory / name for name in OUTPUT_NAMES)
    outputs.write_text(junit, redact(ET.tostring(_junit(verdicts), encoding="unicode", xml_declaration=True)))
    outputs.write_text(html, redact(_html(record, verdicts, redact, options, regression.html(record, redact))))
    if outputs.problems and record.exit_status is not None:
        record.exit_status = exits.with_outputs_lost(record.exit_status)
    if outputs.write_text(summary, summary_text(record, redact)):
        regression.keep(summary, record.started, complete=not record.interrupted)
    elif record.exit_status is not None:
        record.exit_status = exits.with_outputs_lost(record.exit_status)


def table(verdicts: Verdicts) -> list[str]:
    """The per-status table: exchanges, violating, with drift; documented statuses first."""
    rows = ["status  exchanges  violating  drift  meaning"]
    for status in sorted(set(CONTRACT) | set(verdicts.statuses)):
        tally = verdicts.statuses.get(status, StatusTally())
        meaning = CONTRACT[status].meaning if status in CONTRACT else "undocumented status"
        rows.append(f"{status:>6}  {tally.exchanges:>9,}  {tally.violating:>9,}  {tally.drift:>5,}  {meaning}")
    rows.append(
        f"{counted(verdicts.exchanges, 'exchange')} judged, {verdicts.violations:,} violating; "
        f"{verdicts.ignored:,} of other operations ignored; {verdicts.unreadable_count:,} unreadable"
    )
    if verdicts.unrecorded:
        rows.append(f"{counted(verdicts.unrecorded, 'exchange')} had no recorded body: judged by status and headers only")
    return rows
