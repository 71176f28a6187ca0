"""What a run saw, rendered for QA (HTML extras and summary) and for CI (summary.json)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import __version__
from .checks import documented_body
from .http import Exchange
from .redaction import masked_header
from .schemas import schema_hashes
from .table import CONTRACT
from .validation import NotJSON, validate
from .violations import Violation

Clean = Callable[[str], str]  # masks secrets (and makes control characters visible) in text from the target


def _as_is(text: str) -> str:
    return text


_ORDER = {"failed": 0, "error": 0, "passed": 1, "skipped": 2}
_VERDICT_COLOURS = {"failed": "#b00", "error": "#b00", "passed": "#080", "skipped": "#a60"}


@dataclass
class StatusVerdict:
    outcome: str = "not run"
    tests: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def merge(self, outcome: str, test: str, reason: str) -> None:
        self.tests.append(test)
        if reason:
            self.reasons.append(f"{test}: {reason}")
        if self.outcome == "not run" or _ORDER[outcome] < _ORDER[self.outcome]:
            self.outcome = outcome

    def line(self) -> str:
        reason = f" ({'; '.join(self.reasons)})" if self.reasons and self.outcome != "passed" else ""
        return f"{self.outcome}{reason}"


@dataclass
class RunRecord:
    started: float
    target: str = ""
    embedded: bool = False
    stopped: str | None = None
    exit_status: int | None = None
    counts: Counter = field(default_factory=Counter)
    drift: Counter = field(default_factory=Counter)
    statuses: dict[int, StatusVerdict] = field(default_factory=dict)
    planned: set[int] = field(default_factory=set)  # statuses some selected test verifies

    def add(self, item, report) -> None:
        outcome = "error" if report.when == "setup" and report.failed else report.outcome
        self.counts[outcome] += 1
        marker = item.get_closest_marker("status")
        if marker is None:
            return
        reason = ""
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = report.longrepr[2].removeprefix("Skipped: ")
        elif report.failed:
            reason = _failure_reason(str(report.longrepr or "failed"))
        self.statuses.setdefault(marker.args[0], StatusVerdict()).merge(outcome, item.name, reason)

    def verdicts(self) -> dict[int, StatusVerdict]:
        """Every documented status, in order; a status-only one no test exercised says so."""
        out = {}
        for status, contract in CONTRACT.items():
            verdict = self.statuses.get(status)
            if verdict is None:
                verdict = StatusVerdict()
                if contract.body is None and status not in self.planned:
                    verdict.outcome = "status only"
                    verdict.reasons.append("the reference documents no body; any body is accepted")
            out[status] = verdict
        return out

    def as_dict(self) -> dict:
        return {
            "tool": {"name": "organization-contracts", "version": __version__, "schemas": schema_hashes()},
            "target": {"base_url": self.target, "embedded": self.embedded},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_s": round(time.time() - self.started, 3),
            "exit_status": self.exit_status,
            "stopped_early": self.stopped,
            "counts": {k: self.counts.get(k, 0) for k in ("passed", "failed", "skipped", "error")},
            "statuses": {str(s): {"verdict": v.outcome, "tests": v.tests, "reasons": v.reasons} for s, v in self.verdicts().items()},
            "drift": [{"status": s, "path": p, "count": n} for (s, p), n in sorted(self.drift.items())],
        }


def _failure_reason(longrepr: str, limit: int = 240) -> str:
    """The violations of a ContractViolation on one line (its first line only says where)."""
    lines = [line.strip() for line in longrepr.splitlines() if line.strip()]
    if len(lines) > 1 and "contract violation" in lines[0]:
        lines = lines[1:]
    text = "; ".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_summary(path: Path, record: RunRecord, clean: Clean) -> None:
    """Every string cleaned before it is written, and the JSON text once more (an escaped form of a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(clean(json.dumps(_cleaned(record.as_dict(), clean), indent=2)) + "\n", encoding="utf-8")


def _cleaned(value: object, clean: Clean) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_cleaned(k, clean): _cleaned(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    return value


def _pretty_body(exchange: Exchange) -> str:
    try:
        return json.dumps(exchange.json, indent=2, ensure_ascii=False)
    except ValueError:
        return exchange.text or "(empty body)"


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {masked_header(k, v)}" for k, v in headers.items())


def _verdict_html(exchange: Exchange, violations: list[Violation] | None, clean: Clean) -> str:
    if violations:
        items = "".join(f"<li><code>{escape(v.render(clean))}</code></li>" for v in violations)
        return f'<b style="color:#b00">Violations ({len(violations)})</b><ul>{items}</ul>'
    if violations is None:
        return "<p><i>Not judged by this test.</i></p>"
    if documented_body(exchange) is None and exchange.status in CONTRACT:
        return (
            f"<p>Meets the contract. The reference documents no body for {exchange.status}, so the body "
            f"does not decide the verdict{escape(_envelope_note(exchange, clean))}.</p>"
        )
    return "<p>Meets the contract.</p>"


def _envelope_note(exchange: Exchange, clean: Clean) -> str:
    """For a status-only response: whether its body happens to be the error envelope (information only)."""
    try:
        document = exchange.json
    except NotJSON:
        return ""
    if not isinstance(document, dict) or not {"trackingId", "error"} & document.keys():
        return ""
    problems = validate("error", document)
    if not problems:
        return "; it is a valid error envelope"
    return "; it resembles the error envelope but " + "; ".join(v.render(clean) for v in problems)


def exchange_html(exchange: Exchange, violations: list[Violation] | None = None, clean: Clean = _as_is) -> str:
    """The exchange inline: each text from the target cleaned (redacted) first, then escaped.
    Inline, since a `data:` link would open blank in browsers."""
    pre = '<pre style="white-space:pre-wrap;margin:2px 0 8px">{}</pre>'
    request = f"{exchange.method} {exchange.url}\n{_headers(exchange.request_headers)}"
    response = f"{exchange.status} {exchange.reason}\n{_headers(exchange.response_headers)}"
    return (
        '<div class="exchange">'
        f"{_verdict_html(exchange, violations, clean)}"
        f"<b>Request</b>{pre.format(escape(clean(request)))}"
        f"<b>Response</b> ({exchange.elapsed * 1000:.0f} ms){pre.format(escape(clean(response)))}"
        f"<b>Body</b>{pre.format(escape(clean(_pretty_body(exchange))))}"
        "</div>"
    )


def summary_html(record: RunRecord, clean: Clean = _as_is) -> str:
    target = "embedded reference server" + (f" ({record.target})" if record.target else "") if record.embedded else record.target
    rows = "".join(
        f"<tr><td>{status}</td><td>{escape(CONTRACT[status].meaning)}</td>"
        f'<td style="color:{_VERDICT_COLOURS.get(v.outcome, "#555")};font-weight:bold">{escape(v.outcome)}</td>'
        f"<td>{escape(clean('; '.join(v.reasons)))}</td></tr>"
        for status, v in record.verdicts().items()
    )
    hashes = ", ".join(f"{name} {digest}" for name, digest in schema_hashes().items())
    drift = "".join(f"<li>{s} <code>{escape(clean(p))}</code> (seen {n}x)</li>" for (s, p), n in sorted(record.drift.items()))
    stopped = f"<p><b>Run stopped early:</b> {escape(clean(record.stopped))}</p>" if record.stopped else ""
    return (
        f"<h2>Target: {escape(target or 'not configured')}</h2>{stopped}"
        f"<p>Started {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(record.started))}; "
        f"organization-contracts {__version__}; schemas: {escape(hashes)}</p>"
        '<table class="per-status" border="1" cellpadding="4" style="border-collapse:collapse">'
        "<tr><th>Status</th><th>Meaning</th><th>Verdict</th><th>Reason</th></tr>"
        f"{rows}</table>"
        "<h3>Contract drift (undocumented fields)</h3>" + (f"<ul>{drift}</ul>" if drift else "<p>None seen.</p>")
    )
