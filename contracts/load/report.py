"""The outputs of a load run: `reports/load-summary.json` for CI and `reports/load-report.html` for people.

Both read the run record every way in fills (`reporting.record`): the summary is the gate's summary.json with a
`load` member for what only a load run has (workers, per-status response counts, answers that never completed),
and the page opens with the gate's verdict banner and per-status table."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from contracts.core import exits
from contracts.core.contract import CONTRACT
from contracts.core.coverage import TestResult
from contracts.core.credentials import Credentials, refused_cause
from contracts.core.redaction import Redactor
from contracts.core.wording import counted
from contracts.lifecycle.outputs import Outputs
from contracts.load.tally import LoadTally
from contracts.reporting.html import summary_sections
from contracts.reporting.page import PAGE_STYLE
from contracts.reporting.record import RunRecord, summary_text

SUMMARY_FILE = "load-summary.json"
REPORT_FILE = "load-report.html"
PATHS_NAMED = 5  # paths named in a status's verdict, the most frequent first


@dataclass
class LoadRecord(RunRecord):
    """The run record, with what only a load run has."""

    load: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {**super().as_dict(), "load": self.load}


def load_record(
    tally: LoadTally,
    *,
    target: str,
    started: float,
    workers: int,
    missing_reports: list[str],
    interrupted: bool = False,
    credentials: Credentials | None = None,
    stopped_by: str | None = None,
) -> LoadRecord:
    """Every documented status the run saw, judged as one test of it; the others `not seen`. A plain request refused
    with 401 fails the run, with the gate's cause (`refused_cause`): whichever way in, a stale secret is named."""
    record = LoadRecord(started=started, target=target, way_in="load")
    record.counts.update({"passed": tally.responses - tally.failing, "failed": tally.failing})
    if tally.refused:
        record.cause = f"{refused_cause(credentials)} ({tally.refused:,} of {tally.plain:,} plain requests refused)"
    record.evidence = tally.evidence
    for status, tallied in tally.statuses.items():
        for path, count in tallied.paths.items():
            record.violations[(status, tallied.checks.get(path, ""), path)] += count
    for status in CONTRACT:
        if not (status in tally.statuses and tally.statuses[status].responses):
            record.not_seen[status] = "no response with this status during the run"
            continue
        record.selected.add(status)
        record.results[status] = [_result(status, tally)]
    if interrupted:
        record.interrupted, record.stopped = True, f"interrupted by {stopped_by or 'SIGINT or SIGTERM'}"  # the gate's words
    record.exit_status = (
        exits.INTERRUPTED
        if interrupted
        else exits.VIOLATED
        if tally.violating or tally.refused
        else exits.HONOURED
        if tally.responses
        else exits.NO_CHECK_RAN  # nothing judged is never a pass
    )
    verdict = "violated" if tally.violating or tally.refused else "honoured" if tally.responses else "nothing judged"
    record.load = {
        "workers": workers,  # 0: standalone
        "verdict": verdict,
        "responses": tally.responses,
        "violating": tally.violating,
        "refused": tally.refused,  # plain requests answered 401: the configured credentials refused
        "statuses": {str(status): _status_entry(status, tally) for status in sorted(tally.statuses)},
        "no_answer": [{"reason": reason, "count": count} for reason, count in tally.no_answer.most_common()],
        # Workers whose last report came before they stopped: their final requests are not counted.
        "missing_final_reports": missing_reports,
    }
    return record


def _result(status: int, tally: LoadTally) -> TestResult:
    status_tally = tally.statuses[status]
    name = counted(status_tally.responses, "response")
    if not status_tally.violating:
        return TestResult(name, "passed", verified=True)
    named = ", ".join(f"{path} ({n:,})" for path, n in status_tally.paths.most_common(PATHS_NAMED))
    first = "; ".join(status_tally.examples[0]["violations"]) if status_tally.examples else ""
    return TestResult(
        name,
        "failed",
        verified=True,
        reason=f"{status_tally.violating:,} of {status_tally.responses:,} violate, at {named}; the first: {first}",
    )


def _status_entry(status: int, tally: LoadTally) -> dict:
    counted = tally.statuses[status]
    contract = CONTRACT.get(status)
    return {
        "documented": contract is not None,
        "meaning": contract.meaning if contract else "not documented by the reference",
        "responses": counted.responses,
        "violating": counted.violating,
        "violations": [{"path": path, "count": count} for path, count in counted.paths.most_common()],
        "examples": counted.examples,
    }


def write_load_reports(folder: Path, record: LoadRecord, redact: Redactor, outputs: Outputs) -> None:
    """The page, then the summary with the run's final exit status (which says so when the page could not be written)."""
    outputs.write_text(folder / REPORT_FILE, redact(load_report_html(record, redact)))
    if outputs.problems and record.exit_status is not None:
        record.exit_status = exits.with_outputs_lost(record.exit_status)
    if not outputs.write_text(folder / SUMMARY_FILE, summary_text(record, redact)) and record.exit_status is not None:
        record.exit_status = exits.with_outputs_lost(record.exit_status)


def load_report_html(record: LoadRecord, clean: Redactor | None = None) -> str:
    """Self-contained and escaped: everything that came from the target is shown as text."""
    load = record.load
    shown = clean or Redactor()
    mode = f"distributed, {load['workers']} workers" if load["workers"] else "standalone"
    rows = "".join(_status_row(status, entry) for status, entry in load["statuses"].items())
    examples = "".join(_examples_html(status, entry["examples"]) for status, entry in load["statuses"].items() if entry["examples"])
    no_answer = "".join(f"<li>{escape(item['reason'])} × {item['count']}</li>" for item in load["no_answer"])
    refused = f"; {counted(load['refused'], 'plain request')} refused with 401 (see the cause above)" if load.get("refused") else ""
    missing = (
        f"<p><b>Incomplete:</b> no final report from {escape(', '.join(load['missing_final_reports']))}.</p>"
        if load["missing_final_reports"]
        else ""
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Contract under load: GET /account/organization</title>'
        f"{PAGE_STYLE}</head><body><h1>Contract under load: GET /account/organization</h1>"
        + "".join(summary_sections(record, shown))
        + f"<p>{load['violating']:,} of {load['responses']:,} responses violate the reference{refused}; {escape(mode)}.</p>{missing}"
        '<h3>Responses by status</h3><table class="per-status" border="1" style="border-collapse:collapse"><tr><th>Status</th>'
        f"<th>Meaning</th><th>Responses</th><th>Violating</th><th>Violations by JSON path</th></tr>{rows}</table>"
        "<h3>Requests without a complete answer (not judged)</h3>"
        + (f"<ul>{no_answer}</ul>" if no_answer else "<p>None.</p>")
        + examples
        + "</body></html>\n"
    )


def _status_row(status: str, entry: dict) -> str:
    colour = "#b00020" if entry["violating"] else "#1a7f37"
    paths = "<br>".join(f"<code>{escape(item['path'])}</code> × {item['count']}" for item in entry["violations"])
    return (
        f"<tr><td>{escape(status)}</td><td>{escape(entry['meaning'])}</td><td>{entry['responses']}</td>"
        f'<td style="color:{colour};font-weight:bold">{entry["violating"]}</td><td>{paths}</td></tr>'
    )


def _examples_html(status: str, examples: list[dict]) -> str:
    items = "".join(
        "<li><ul>"
        + "".join(f"<li><code>{escape(line)}</code></li>" for line in example["violations"])
        + f"</ul>Content-Type: <code>{escape(example['content_type'] or '(none)')}</code><pre>{escape(example['body'] or '(empty body)')}</pre></li>"
        for example in examples
    )
    return f"<h3>First violating responses with status {escape(status)}</h3><ol>{items}</ol>"
