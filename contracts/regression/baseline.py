"""What changed since an earlier run: two summaries (summary.json) compared, for the report, the console and CI.

Both sides are summaries in the same format, so the gate and `replay` compare alike, and a run in the history
folder is a baseline like any other summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from pathlib import Path

from contracts.core.wording import counted
from contracts.reporting.record import SUMMARY_FORMAT

Clean = Callable[[str], str]
SLOWER_FACTOR, SLOWER_MS = 2.0, 50.0  # "slower" in the digest: at least twice the time, and 50 ms more


class BaselineUnusable(Exception):
    """A baseline the run cannot compare with; the message is the one warning line."""


def target_of(summary: dict) -> str:
    """What a run was against: the base URL, or the embedded server whatever port it got."""
    target = summary.get("target")
    if not isinstance(target, dict):
        target = {}
    return "embedded reference server" if target.get("embedded") else str(target.get("base_url") or "")


def read_summary(path: Path) -> dict:
    """A summary fit to compare with, or BaselineUnusable saying why not."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineUnusable(f"baseline {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineUnusable(f"cannot read baseline {path}: {getattr(exc, 'strerror', None) or exc}") from None
    except ValueError:
        raise BaselineUnusable(f"baseline {path} is not JSON: give a summary.json an earlier run wrote") from None
    if not isinstance(document, dict) or not isinstance(document.get("statuses"), dict):
        raise BaselineUnusable(f"baseline {path} is not a summary.json: give one an earlier run wrote")
    found = document.get("format")
    if not isinstance(found, int) or found < SUMMARY_FORMAT:
        raise BaselineUnusable(
            f"baseline {path} is from an older summary format ({found if found is not None else 'unnumbered'}; "
            f"this version compares format {SUMMARY_FORMAT}): this run's summary will serve as the next baseline"
        )
    return document


def check_target(baseline: dict, path: Path | str, target: str) -> None:
    if target_of(baseline) != target:
        raise BaselineUnusable(f"baseline {path} is for another target ({target_of(baseline) or 'none'}, this run: {target})")


def _violations(summary: dict) -> set[tuple[int, str, str]]:
    return {(int(v["status"]), str(v["check"]), str(v["path"])) for v in summary.get("violations", [])}


def _drift(summary: dict) -> set[tuple[int, str]]:
    return {(int(d["status"]), str(d["path"])) for d in summary.get("drift", [])}


def _statuses(summary: dict) -> dict[int, dict]:
    return {int(s): entry for s, entry in summary["statuses"].items()}


def compare(baseline: dict, now: dict, path: str) -> dict:
    """summary.json's `since_baseline`: what went red or green, drift that appeared or vanished, response times.

    A violation or drift field is only *fixed* or *vanished* where this run looked: its status verified (violations)
    or answered (drift); a status this run did not reach says nothing about it."""
    then_statuses, now_statuses = _statuses(baseline), _statuses(now)
    verified = {s for s, entry in now_statuses.items() if entry.get("coverage") == "verified"}
    answered = {s for s, entry in now_statuses.items() if entry.get("response_ms") is not None}
    then_violations, now_violations = _violations(baseline), _violations(now)
    then_drift, now_drift = _drift(baseline), _drift(now)
    return {
        "baseline": {"path": path, "started": baseline.get("started"), "target": target_of(baseline)},
        "new_failures": [_violation(v) for v in sorted(now_violations - then_violations)],
        "fixed": [_violation(v) for v in sorted(then_violations - now_violations) if v[0] in verified],
        "statuses_changed": [
            {"status": s, "then": then_statuses[s].get("verdict"), "now": entry.get("verdict")}
            for s, entry in now_statuses.items()
            if s in then_statuses and then_statuses[s].get("verdict") != entry.get("verdict")
        ],
        "drift_appeared": [{"status": s, "path": p} for s, p in sorted(now_drift - then_drift)],
        "drift_vanished": [{"status": s, "path": p} for s, p in sorted(then_drift - now_drift) if s in answered],
        "response_ms": {
            str(s): {"then": then_statuses.get(s, {}).get("response_ms"), "now": entry.get("response_ms")}
            for s, entry in now_statuses.items()
            if entry.get("response_ms") is not None or then_statuses.get(s, {}).get("response_ms") is not None
        },
    }


def _violation(identity: tuple[int, str, str]) -> dict:
    status, check, path = identity
    return {"status": status, "check": check, "path": path}


def drift_changed(since: dict) -> bool:
    return bool(since["drift_appeared"] or since["drift_vanished"])


def slower(since: dict) -> list[tuple[str, float, float]]:
    """Statuses answered markedly slower than in the baseline: (status, then ms, now ms)."""
    out = []
    for status, times in since["response_ms"].items():
        then, now = times["then"], times["now"]
        if then is not None and now is not None and now >= then * SLOWER_FACTOR and now - then >= SLOWER_MS:
            out.append((status, then, now))
    return out


def _places(entries: list[dict], limit: int = 4) -> str:
    shown = ", ".join(f"{e['status']} {e.get('check', '')} {e['path']}".replace("  ", " ") for e in entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def digest(since: dict) -> list[str]:
    """The console's 1-3 lines: verdicts, drift (when it changed), slower statuses (when any)."""
    base = since["baseline"]
    head = f"since the baseline ({base['started']}, {base['path']}): {counted(len(since['new_failures']), 'new failure')}"
    if since["new_failures"]:
        head += f" ({_places(since['new_failures'])})"
    head += f", {len(since['fixed'])} fixed" + (f" ({_places(since['fixed'])})" if since["fixed"] else "")
    changed = "; ".join(f"{c['status']} {c['then']} -> {c['now']}" for c in since["statuses_changed"])
    lines = [head + (f"; statuses: {changed}" if changed else "; no status changed")]
    if drift_changed(since):
        appeared, vanished = since["drift_appeared"], since["drift_vanished"]
        lines.append(
            f"drift since the baseline: {len(appeared)} appeared"
            + (f" ({_places(appeared)})" if appeared else "")
            + f", {len(vanished)} vanished"
            + (f" ({_places(vanished)})" if vanished else "")
        )
    if slower(since):
        lines.append("slower since the baseline: " + ", ".join(f"{s} {then:.0f} -> {now:.0f} ms" for s, then, now in slower(since)))
    return lines


def _row(title: str, entries: list[str], colour: str) -> str:
    """One line of the section: a title with its count, then the entries on one line."""
    shown = "; ".join(entries) if entries else "none"
    style = f' style="color:{colour}"' if entries else ""
    return f'<tr><th align="left"{style}>{title} ({len(entries)})</th><td>{shown}</td></tr>'


def _places_html(entries: list[dict], clean: Clean) -> list[str]:
    return [
        f"{e['status']} <code>{escape(clean(e['path']))}</code>" + (f" ({escape(e['check'])})" if e.get("check") else "") for e in entries
    ]


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def since_baseline_html(since: dict | None, warning: str | None, clean: Clean) -> str:
    """The report's "Since the baseline" section, compact enough to sit above the fold: one line per kind of change,
    then response time per status then and now."""
    if since is None:
        return f'<h2>Since the baseline</h2><p style="color:#a60"><b>No comparison:</b> {escape(clean(warning))}</p>' if warning else ""
    base = since["baseline"]
    changed = [f"{c['status']}: {escape(str(c['then']))} &rarr; <b>{escape(str(c['now']))}</b>" for c in since["statuses_changed"]]
    statuses = list(since["response_ms"])
    times = (
        '<table class="response-times" border="1" cellpadding="2" style="border-collapse:collapse;margin-top:4px">'
        "<tr><th>ms (median)</th>" + "".join(f"<th>{s}</th>" for s in statuses) + "</tr>"
        "<tr><th>then</th>" + "".join(f'<td align="right">{_ms(since["response_ms"][s]["then"])}</td>' for s in statuses) + "</tr>"
        "<tr><th>now</th>" + "".join(f'<td align="right">{_ms(since["response_ms"][s]["now"])}</td>' for s in statuses) + "</tr></table>"
    )
    return (
        '<div class="since-baseline">'
        f'<h2 style="margin:0 0 4px">Since the baseline</h2><p style="margin:0 0 4px">Run of {escape(str(base["started"]))} against '
        f"{escape(clean(base['target']))} (<code>{escape(clean(base['path']))}</code>)</p>"
        '<table cellpadding="2">'
        + _row("New failures", _places_html(since["new_failures"], clean), "#b00")
        + _row("Fixed", _places_html(since["fixed"], clean), "#080")
        + _row("Statuses changed", changed, "#b00" if any(c["now"] == "failed" for c in since["statuses_changed"]) else "#080")
        + _row("Drift appeared", _places_html(since["drift_appeared"], clean), "#a60")
        + _row("Drift vanished", _places_html(since["drift_vanished"], clean), "#a60")
        + f"</table>{times}</div>"
    )
