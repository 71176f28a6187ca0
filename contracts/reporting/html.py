"""The parts of an HTML report every way in shares: the verdict banner, the target, the per-status table, drift,
and one exchange shown inline, each text from the target masked first and escaped after."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from html import escape

from contracts.core import exits
from contracts.core.contract import CONTRACT, TOOL, VERSION
from contracts.core.coverage import VERIFIED
from contracts.core.exchange import Exchange
from contracts.core.limits import format_size
from contracts.core.redaction import masked_header
from contracts.core.violations import Violation, child_path, escape_surrogates
from contracts.judging.checks import documented_body
from contracts.judging.schemas import schema_hashes
from contracts.judging.validation import NotJSON, parse_json, validate
from contracts.reporting.record import Clean, RunRecord, as_is, not_verified_line

SHOWN_VIOLATIONS = 200  # listed per exchange: a body of 20,000 undocumented fields under --strict-fields keeps the page small
EXCERPT = 16 * 1024  # characters of a body or header block shown per exchange: keeps report.html small whatever the target sends
# Text colours with at least 4.5:1 contrast on white (WCAG AA), and banner backgrounds with as much under white text.
_GREEN, _RED, _AMBER, _GREY = "#1a7f37", "#b00020", "#8a5300", "#555"
_COVERAGE_COLOURS = {"failed": _RED, "passed": _GREEN, VERIFIED: _GREEN}
_BANNER_COLOURS = {"PASSED": _GREEN, "FAILED": _RED, "NOT VERIFIED": _AMBER, "INTERRUPTED": _AMBER}


def excerpt(text: str) -> str:
    """At most EXCERPT characters of `text`, saying how much was left out."""
    if len(text) <= EXCERPT:
        return text
    return f"{text[:EXCERPT]}\n… (showing the first {EXCERPT:,} of {len(text):,} characters)"


def _body_html(exchange: Exchange, violations: Sequence[Violation], clean: Clean) -> str:
    """The body, escaped: pretty-printed when it is JSON, each line that holds a member a violation names marked, so a
    reader sees at once what broke the contract."""
    lines = _pretty_lines(exchange)
    text = "\n".join(line for _, line in lines)
    cleaned = clean(text)
    marked = {violation.path for violation in violations}
    shown = cleaned.split("\n")
    if len(shown) != len(lines) or not marked:  # redaction joined lines (a secret wrapped across them): no marks
        return escape(cleaned)
    return "\n".join(
        f"<mark>{escape(line)}</mark>" if path in marked else escape(line) for (path, _), line in zip(lines, shown, strict=True)
    )


def _pretty_lines(exchange: Exchange) -> list[tuple[str, str]]:
    """The body as (JSON path, line) pairs: indented JSON when it parses, else its text with no path."""
    body = exchange.body
    if exchange.truncated_at is not None or len(body) > EXCERPT:  # too long to pretty-print usefully
        shown = body[:EXCERPT]
        rest = (
            f"longer than the {format_size(exchange.truncated_at)} cap: reading stopped there"
            if exchange.truncated_at
            else f"{len(body):,} in all"
        )
        return [("", f"{shown.decode('utf-8', errors='replace')}\n… (showing the first {len(shown):,} bytes; {rest})")]
    try:
        document = parse_json(body)
    except ValueError:
        return [("", exchange.text or "(empty body)")]
    lines: list[tuple[str, str]] = []
    _indented(document, "$", 0, "", "", lines)
    return [(path, escape_surrogates(line)) for path, line in lines]


def _indented(value: object, path: str, depth: int, name: str, comma: str, out: list[tuple[str, str]]) -> None:
    """`json.dumps(value, indent=2)`, line by line, each line with the path of the member it belongs to."""
    pad = "  " * depth
    members = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    if not members:
        out.append((path, f"{pad}{name}{json.dumps(value, ensure_ascii=False)}{comma}"))
        return
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    out.append((path, f"{pad}{name}{opening}"))
    for index, (key, member) in enumerate(members):
        label = f"{json.dumps(key, ensure_ascii=False)}: " if isinstance(value, dict) else ""
        _indented(member, child_path(path, key), depth + 1, label, "," if index < len(members) - 1 else "", out)
    out.append((path, f"{pad}{closing}{comma}"))


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
        items = "".join(f"<li><code>{escape(v.render(clean))}</code></li>" for v in violations[:SHOWN_VIOLATIONS])
        more = f"<li>… and {len(violations) - SHOWN_VIOLATIONS:,} more</li>" if len(violations) > SHOWN_VIOLATIONS else ""
        return f'<b style="color:{_RED}">Violations ({len(violations):,})</b><ul>{items}{more}</ul>'
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
        document = parse_json(exchange.body)
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
    clean: Clean = as_is,
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
        f"<b>Body</b>{pre.format(_body_html(exchange, violations or (), clean))}"
        "</div>"
    )


def summary_sections(record: RunRecord, clean: Clean = as_is) -> list[str]:
    """The top of every way in's report, in reading order: the verdict banner, the target and the time, then the
    per-status table and drift. A list, so a section that belongs right after the head is one `insert(1, …)`."""
    return [banner_html(record, clean) + head_html(record, clean), status_table_html(record, clean), drift_html(record, clean)]


def banner_html(record: RunRecord, clean: Clean = as_is) -> str:
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
    if record.cause:
        why = f"Cause: {record.cause}" + (f". {why}" if why else "")
    colour = _BANNER_COLOURS[word]
    css_class = "verdict not-verified" if word == "NOT VERIFIED" else "verdict"
    detail = f'<div style="margin-top:4px">{escape(clean(why))}</div>' if why else ""
    return (
        f'<div class="{css_class}" role="status" style="background:{colour};color:#fff;padding:10px 14px;margin:8px 0;'
        f'font-size:15px;border-radius:4px"><b style="font-size:20px">{word}</b> &mdash; {escape(meaning)}{detail}</div>'
    )


def head_html(record: RunRecord, clean: Clean = as_is) -> str:
    target = "embedded reference server" + (f" ({record.target})" if record.target else "") if record.embedded else record.target
    hashes = ", ".join(f"{name} {digest}" for name, digest in schema_hashes().items())
    return (
        f"<h2>Target: {escape(clean(target or 'not configured'))}</h2>"
        f'<p class="run-time">Started <time>{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.started))}</time> '
        f"(UTC); {TOOL} {VERSION}; schemas: {escape(hashes)}</p>"
    )


def status_table_html(record: RunRecord, clean: Clean = as_is) -> str:
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


def drift_html(record: RunRecord, clean: Clean = as_is) -> str:
    drift = "".join(f"<li>{s} <code>{escape(clean(p))}</code> (seen {n}x)</li>" for (s, p), n in sorted(record.drift.items()))
    return "<h3>Contract drift (undocumented fields)</h3>" + (f"<ul>{drift}</ul>" if drift else "<p>None seen.</p>")
