"""The contract summary of a load run: `reports/load-summary.json` for CI, `reports/load-report.html` for people."""

from __future__ import annotations

import json
import time
from html import escape
from pathlib import Path

from . import __version__
from .load_tally import LoadTally
from .redaction import Redactor
from .schemas import schema_hashes
from .table import CONTRACT

SUMMARY_FILE = "load-summary.json"
REPORT_FILE = "load-report.html"


def load_summary(tally: LoadTally, *, target: str, started: float, workers: int, missing_reports: list[str]) -> dict:
    responses, violating = tally.responses, tally.violating
    verdict = "violated" if violating else "honoured" if responses else "nothing judged"
    statuses = {}
    for status, counted in sorted(tally.statuses.items()):
        contract = CONTRACT.get(status)
        statuses[str(status)] = {
            "documented": contract is not None,
            "meaning": contract.meaning if contract else "not documented by the reference",
            "responses": counted.responses,
            "violating": counted.violating,
            "violations": [{"path": path, "count": count} for path, count in counted.paths.most_common()],
            "examples": counted.examples,
        }
    return {
        "tool": {"name": "organization-contracts", "version": __version__, "schemas": schema_hashes()},
        "target": target,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 3),
        "workers": workers,  # 0: standalone
        "verdict": verdict,
        "responses": responses,
        "violating": violating,
        "statuses": statuses,
        "no_answer": [{"reason": reason, "count": count} for reason, count in tally.no_answer.most_common()],
        # Workers whose last report came before they stopped: their final requests are not counted.
        "missing_final_reports": missing_reports,
    }


def write_load_reports(folder: Path, summary: dict, redact: Redactor) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SUMMARY_FILE).write_text(redact(json.dumps(summary, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    (folder / REPORT_FILE).write_text(redact(load_report_html(summary)), encoding="utf-8")


_COLOURS = {"violated": "#b00", "honoured": "#080", "nothing judged": "#a60"}


def load_report_html(summary: dict) -> str:
    """Self-contained and escaped: everything that came from the target is shown as text."""
    verdict = summary["verdict"]
    mode = f"distributed, {summary['workers']} workers" if summary["workers"] else "standalone"
    rows = "".join(_status_row(status, entry) for status, entry in summary["statuses"].items())
    examples = "".join(_examples_html(status, entry["examples"]) for status, entry in summary["statuses"].items() if entry["examples"])
    no_answer = "".join(f"<li>{escape(item['reason'])} × {item['count']}</li>" for item in summary["no_answer"])
    missing = (
        f"<p><b>Incomplete:</b> no final report from {escape(', '.join(summary['missing_final_reports']))}.</p>"
        if summary["missing_final_reports"]
        else ""
    )
    pre = "white-space:pre-wrap;background:#f6f6f6;padding:4px"
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Contract under load: GET /account/organization</title>'
        f"<style>body{{font-family:sans-serif;margin:2em}} pre{{{pre}}} td,th{{padding:4px 8px;vertical-align:top}}</style>"
        "</head><body><h1>Contract under load: GET /account/organization</h1>"
        f'<h2 style="color:{_COLOURS[verdict]}">{escape(verdict)}: {summary["violating"]} of {summary["responses"]} responses violate the reference</h2>'
        f"<p>Target {escape(summary['target'])}; {escape(mode)}; started {escape(summary['started'])}, {summary['duration_s']} s; "
        f"organization-contracts {escape(summary['tool']['version'])}.</p>{missing}"
        '<table border="1" style="border-collapse:collapse"><tr><th>Status</th><th>Meaning</th><th>Responses</th>'
        f"<th>Violating</th><th>Violations by JSON path</th></tr>{rows}</table>"
        "<h3>Requests without a complete answer (not judged)</h3>"
        + (f"<ul>{no_answer}</ul>" if no_answer else "<p>None.</p>")
        + examples
        + "</body></html>\n"
    )


def _status_row(status: str, entry: dict) -> str:
    colour = "#b00" if entry["violating"] else "#080"
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
