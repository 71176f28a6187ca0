"""What a run saw, rendered for QA (HTML extras and summary) and for CI (summary.json)."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import __version__, exits
from .checks import documented_body
from .config import format_size
from .coverage import VERIFIED, StatusCoverage, TestResult, status_coverage
from .http import Exchange
from .redaction import masked_header
from .schemas import schema_hashes
from .table import CONTRACT
from .validation import NotJSON, validate
from .violations import Violation, escape_surrogates

EXCERPT = 16 * 1024  # characters of a body or header block shown per exchange: keeps report.html small whatever the target sends
# Text colours with at least 4.5:1 contrast on white (WCAG AA), and banner backgrounds with as much under white text.
_GREEN, _RED, _AMBER, _GREY = "#1a7f37", "#b00020", "#8a5300", "#555"
_COVERAGE_COLOURS = {"failed": _RED, "passed": _GREEN, VERIFIED: _GREEN}
_BANNER_COLOURS = {"PASSED": _GREEN, "FAILED": _RED, "NOT VERIFIED": _AMBER}
Clean = Callable[[str], str]  # masks secrets (and makes control characters visible) in text from the target
SUMMARY_FORMAT = 2  # summary.json's layout; a baseline in an older one is not compared with


def _as_is(text: str) -> str:
    return text


@dataclass
class RunRecord:
    started: float
    target: str = ""
    embedded: bool = False
    stopped: str | None = None
    interrupted: bool = False  # by SIGTERM or Ctrl-C: what was seen so far, not a whole run
    exit_status: int | None = None
    counts: Counter = field(default_factory=Counter)
    drift: Counter = field(default_factory=Counter)
    results: dict[int, list[TestResult]] = field(default_factory=dict)  # per documented status, its tests' results
    selected: set[int] = field(default_factory=set)  # statuses some selected test verifies
    not_selected: dict[int, str] = field(default_factory=dict)  # why no selected test asks for a status
    required: frozenset[int] = frozenset()  # statuses this run must verify to pass (none for an offline run)
    violations: Counter = field(default_factory=Counter)  # (status judged against, check, path) -> times seen
    elapsed: dict[int, list[float]] = field(default_factory=dict)  # per answered status, seconds per exchange
    regression: dict = field(default_factory=dict)  # since_baseline, known_violations, baseline_warning: set by the gate

    def add(self, result: TestResult, status: int | None) -> None:
        self.counts[result.outcome] += 1
        if status is not None:
            self.results.setdefault(status, []).append(result)

    def coverage(self) -> dict[int, StatusCoverage]:
        """Every documented status, in order, with how far this run verified it."""
        out = {}
        for status in CONTRACT:
            covered = status_coverage(
                status,
                self.results.get(status, []),
                selected=status in self.selected,
                not_selected=self.not_selected.get(status, "no selected test asks for it"),
                stopped=self.stopped,
            )
            covered.required = status in self.required
            out[status] = covered
        return out

    def unverified_required(self) -> list[StatusCoverage]:
        return [c for c in self.coverage().values() if c.required and not c.verified]

    def response_ms(self, status: int) -> float | None:
        """The median time of the exchanges answered with `status`, whole request to last byte."""
        times = self.elapsed.get(status)
        return round(statistics.median(times) * 1000, 1) if times else None

    def as_dict(self) -> dict:
        return {
            "format": SUMMARY_FORMAT,
            "tool": {"name": "organization-contracts", "version": __version__, "schemas": schema_hashes()},
            "target": {"base_url": self.target, "embedded": self.embedded},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_s": round(time.time() - self.started, 3),
            "exit_status": self.exit_status,
            "stopped_early": self.stopped,
            "interrupted": self.interrupted,
            "counts": {k: self.counts.get(k, 0) for k in ("passed", "failed", "skipped", "error")},
            "required": sorted(self.required),
            "statuses": {
                str(s): {
                    "coverage": c.coverage,
                    "outcome": c.outcome,
                    "verdict": c.verdict,
                    "required": c.required,
                    "tests": c.tests,
                    "reasons": c.reasons,
                    "response_ms": self.response_ms(s),
                }
                for s, c in self.coverage().items()
            },
            "drift": [{"status": s, "path": p, "count": n} for (s, p), n in sorted(self.drift.items())],
            "violations": [{"status": s, "check": c, "path": p, "count": n} for (s, c, p), n in sorted(self.violations.items())],
            **self.regression,
        }


def not_verified_line(unverified: list[StatusCoverage]) -> str:
    """`required status(es) not verified: 502 (not provoked: …)`: why the run does not pass."""
    return "required status(es) not verified: " + "; ".join(f"{c.status} ({c.line()})" for c in unverified)


def write_summary(path: Path, record: RunRecord, clean: Clean) -> None:
    """Every string cleaned before it is written, and the JSON text once more (an escaped form of a secret)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(clean(json.dumps(cleaned_summary(record, clean), indent=2)) + "\n", encoding="utf-8")


def cleaned_summary(record: RunRecord, clean: Clean) -> dict:
    """summary.json's content with every string cleaned."""
    cleaned = _cleaned(record.as_dict(), clean)
    assert isinstance(cleaned, dict)
    return cleaned


def _cleaned(value: object, clean: Clean) -> object:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {_cleaned(k, clean): _cleaned(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    return value


def excerpt(text: str) -> str:
    """At most EXCERPT characters of `text`, saying how much was left out."""
    if len(text) <= EXCERPT:
        return text
    return f"{text[:EXCERPT]}\n… (showing the first {EXCERPT:,} of {len(text):,} characters)"


def _pretty_body(exchange: Exchange) -> str:
    body = exchange.body
    if exchange.truncated_at is not None or len(body) > EXCERPT:  # too long to pretty-print usefully
        shown = body[:EXCERPT]
        rest = (
            f"longer than the {format_size(exchange.truncated_at)} cap: reading stopped there"
            if exchange.truncated_at
            else f"{len(body):,} in all"
        )
        return f"{shown.decode('utf-8', errors='replace')}\n… (showing the first {len(shown):,} bytes; {rest})"
    try:
        return escape_surrogates(json.dumps(exchange.json, indent=2, ensure_ascii=False))
    except ValueError:
        return exchange.text or "(empty body)"


def _headers(headers: dict[str, str]) -> str:
    return excerpt("\n".join(f"{k}: {masked_header(k, v)}" for k, v in headers.items()))


def _known_html(known: Sequence[Violation], clean: Clean) -> str:
    if not known:
        return ""
    items = "".join(f"<li><code>{escape(v.render(clean))}</code></li>" for v in known)
    return f'<b style="color:#a60">Known violations ({len(known)}), accepted by the known-violations file</b><ul>{items}</ul>'


def _verdict_html(
    exchange: Exchange, violations: list[Violation] | None, clean: Clean, known: Sequence[Violation], judged_as: int | None
) -> str:
    if violations:
        items = "".join(f"<li><code>{escape(v.render(clean))}</code></li>" for v in violations)
        return f'<b style="color:{_RED}">Violations ({len(violations)})</b><ul>{items}</ul>'
    if violations is None:
        return "<p><i>Not judged by this test.</i></p>"
    if known:
        return "<p>No violation beyond the known ones.</p>"
    judged = f"Judged as a {judged_as} answer: meets" if judged_as is not None else "Meets"
    if documented_body(exchange) is None and exchange.status in CONTRACT:
        return (
            f"<p>{judged} the contract. The reference documents no body for {exchange.status}, so the body "
            f"does not decide the verdict{escape(_envelope_note(exchange, clean))}.</p>"
        )
    return f"<p>{judged} the contract.</p>"


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


def exchange_html(
    exchange: Exchange,
    violations: list[Violation] | None = None,
    clean: Clean = _as_is,
    known: Sequence[Violation] = (),
    *,
    judged_as: int | None = None,
) -> str:
    """The exchange inline: each text from the target cleaned (redacted) first, then escaped.
    Inline, since a `data:` link would open blank in browsers. `judged_as`: the status the answer was judged for,
    said when it is not the status the test asked for (a status not provoked)."""
    pre = '<pre style="white-space:pre-wrap;margin:2px 0 8px">{}</pre>'
    request = f"{exchange.method} {exchange.url}\n{_headers(exchange.request_headers)}"
    response = f"{exchange.status} {exchange.reason}\n{_headers(exchange.response_headers)}"
    return (
        '<div class="exchange">'
        f"{_verdict_html(exchange, violations, clean, known, judged_as)}{_known_html(known, clean)}"
        f"<b>Request</b>{pre.format(escape(clean(request)))}"
        f"<b>Response</b> ({exchange.elapsed * 1000:.0f} ms){pre.format(escape(clean(response)))}"
        f"<b>Body</b>{pre.format(escape(clean(_pretty_body(exchange))))}"
        "</div>"
    )


def summary_sections(record: RunRecord, clean: Clean = _as_is, *, banner: bool = True) -> list[str]:
    """The top of a report, in reading order: the verdict banner, the target and the time, then the per-status
    table and drift. A list, so a section that belongs right after the head is one `insert(1, …)`."""
    stopped = f"<p><b>Run stopped early:</b> {escape(clean(record.stopped))}</p>" if record.stopped else ""
    head = (banner_html(record, clean) if banner else stopped) + head_html(record, clean)
    return [head, status_table_html(record, clean), drift_html(record, clean)]


def summary_html(record: RunRecord, clean: Clean = _as_is) -> str:
    """The summary without a banner, for reports whose exit codes are not the gate's (replay)."""
    return "".join(summary_sections(record, clean, banner=False))


def banner_html(record: RunRecord, clean: Clean = _as_is) -> str:
    """PASSED, FAILED or NOT VERIFIED, with the exit code and what it means, and why when it is not a pass."""
    code = record.exit_status
    word = exits.verdict(code)
    meaning = f"exit {code}: {exits.MEANINGS.get(code, 'an exit status of its own')}" if code is not None else "the run did not finish"
    unverified = record.unverified_required()
    if record.stopped:
        why = f"Run stopped early: {record.stopped}"
    elif unverified:
        why = f"Not a pass: {not_verified_line(unverified)}"
    else:
        why = ""
    colour = _BANNER_COLOURS[word]
    css_class = "verdict not-verified" if word == "NOT VERIFIED" else "verdict"
    detail = f'<div style="margin-top:4px">{escape(clean(why))}</div>' if why else ""
    return (
        f'<div class="{css_class}" role="status" style="background:{colour};color:#fff;padding:10px 14px;margin:8px 0;'
        f'font-size:15px;border-radius:4px"><b style="font-size:20px">{word}</b> &mdash; {escape(meaning)}{detail}</div>'
    )


def head_html(record: RunRecord, clean: Clean = _as_is) -> str:
    target = "embedded reference server" + (f" ({record.target})" if record.target else "") if record.embedded else record.target
    hashes = ", ".join(f"{name} {digest}" for name, digest in schema_hashes().items())
    return (
        f"<h2>Target: {escape(clean(target or 'not configured'))}</h2>"
        f'<p class="run-time">Started <time>{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.started))}</time> '
        f"(UTC); organization-contracts {__version__}; schemas: {escape(hashes)}</p>"
    )


def status_table_html(record: RunRecord, clean: Clean = _as_is) -> str:
    coverage = record.coverage()
    with_why = any(c.reasons for c in coverage.values())  # no empty column when every status passed
    rows = "".join(
        f"<tr><td>{status}</td><td>{escape(CONTRACT[status].meaning)}</td><td>{'required' if c.required else ''}</td>"
        f'<td style="color:{_COVERAGE_COLOURS.get(c.coverage, _AMBER)};font-weight:bold">{escape(c.coverage)}</td>'
        f'<td style="color:{_COVERAGE_COLOURS.get(c.outcome or "", _GREY)};font-weight:bold">{escape(c.outcome or "")}</td>'
        + (f"<td>{escape(clean('; '.join(c.reasons)))}</td>" if with_why else "")
        + "</tr>"
        for status, c in coverage.items()
    )
    return (
        '<table class="per-status" border="1" cellpadding="4" style="border-collapse:collapse">'
        "<tr><th>Status</th><th>Meaning</th><th>Required</th><th>Coverage</th><th>Outcome</th>"
        f"{'<th>Why</th>' if with_why else ''}</tr>{rows}</table>"
    )


def drift_html(record: RunRecord, clean: Clean = _as_is) -> str:
    drift = "".join(f"<li>{s} <code>{escape(clean(p))}</code> (seen {n}x)</li>" for (s, p), n in sorted(record.drift.items()))
    return "<h3>Contract drift (undocumented fields)</h3>" + (f"<ul>{drift}</ul>" if drift else "<p>None seen.</p>")
