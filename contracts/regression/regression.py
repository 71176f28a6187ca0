"""A run against what came before: its baseline, the known violations, the history folder.

The gate (and `replay`) hand every violation to `sort`, which says which are known; at the end `finish`
compares with the baseline, lists known ones that are fixed, records the run in the history and says the
exit status. Nothing here may break a run: a baseline it cannot use, or a history it cannot write, is one warning."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path

from contracts.core import exits
from contracts.core.violations import Violation
from contracts.regression.baseline import (
    BaselineUnusable,
    check_target,
    compare,
    digest,
    drift_changed,
    read_summary,
    since_baseline_html,
    target_of,
)
from contracts.regression.history import SHOWN, append_run, history_dir, history_strip_html, recent_runs, runs_of
from contracts.regression.known_violations import Identity, KnownViolations, as_entry, identity, load_known, write_known
from contracts.reporting.record import RunRecord, cleaned_summary

Clean = Callable[[str], str]
LAST = "last"  # --baseline last: the latest earlier run against the same target, from the history folder


class Regression:
    def __init__(
        self,
        summary_path: Path,
        *,
        baseline: str = "",
        known_violations: str = "",
        record_known: str = "",
        fail_on_drift_change: bool = False,
        keep_history: bool = True,
    ):
        self.history = history_dir(summary_path)
        self.baseline_option = baseline
        self.record_known = Path(record_known) if record_known else None
        self.fail_on_drift_change = fail_on_drift_change
        self.keep_history = keep_history
        self.known: KnownViolations | None = load_known(Path(known_violations)) if known_violations else None  # ConfigError: exit 4
        # Read now: a baseline at the summary's own path is removed as a stale output before the run starts.
        self._baseline: dict | BaselineUnusable | None = None
        if baseline and baseline != LAST:
            try:
                self._baseline = read_summary(Path(baseline))
            except BaselineUnusable as exc:
                self._baseline = exc
        self.seen: dict[Identity, str] = {}  # every violation of this run, with one example line
        self.known_seen: set[Identity] = set()
        self.since: dict | None = None
        self.known_summary: dict | None = None
        self.recorded = False
        self.target = ""  # as summaries name it: set by `finish`
        self._baseline_path = baseline
        self.warnings: list[str] = []
        self.runs: list[dict] = []  # the history strip, this run last

    def sort(self, status: int, violations: list[Violation], clean: Clean) -> tuple[list[Violation], list[Violation]]:
        """(new, known): the known ones do not fail the test; every one is remembered for the summary."""
        new, known = [], []
        for violation in violations:
            found = identity(status, violation, clean)
            self.seen.setdefault(found, violation.render(clean))
            if self.known is not None and found in self.known.entries:
                self.known_seen.add(found)
                known.append(violation)
            else:
                new.append(violation)
        return new, known

    def finish(self, record: RunRecord, exit_status: int, clean: Clean) -> int:
        """Compare, list known and fixed ones, write --record-known; the exit status, made 1 by a drift change
        under --fail-on-drift-change."""
        now = cleaned_summary(record, clean)
        self.target = target = target_of(now)
        if self.keep_history:  # the strip: the earlier runs against this target, and this one
            self.runs = [*recent_runs(self.history, target, SHOWN - 1), now]
        baseline = self._resolve_baseline(target)
        if isinstance(baseline, BaselineUnusable):
            self.warnings.append(f"{baseline}; the run goes on without the comparison")
            record.regression["baseline_warning"] = self.warnings[-1]
        elif baseline is not None:
            self.since = compare(baseline, now, self._baseline_path)
            record.regression["since_baseline"] = self.since
            if self.fail_on_drift_change and drift_changed(self.since) and exit_status in (exits.HONOURED, exits.NOT_VERIFIED):
                exit_status = exits.VIOLATED
        if self.known is not None:
            checked = [int(s) for s, entry in now["statuses"].items() if entry["coverage"] == "verified"]
            self.known_summary = record.regression["known_violations"] = {
                "file": str(self.known.path),
                "seen": [as_entry(k) for k in sorted(self.known_seen)],
                "fixed": [as_entry(k) for k in self.known.fixed(self.seen, checked)],
                "new": [as_entry(k) for k in sorted(set(self.seen) - self.known_seen)],
            }
        if self.record_known is not None:
            try:
                write_known(self.record_known, self.seen)
                self.recorded = True
            except OSError as exc:
                self.warnings.append(f"cannot write {self.record_known}: {exc.strerror or exc}")
        return exit_status

    def _resolve_baseline(self, target: str) -> dict | BaselineUnusable | None:
        if self.baseline_option == LAST:
            earlier = runs_of(self.history, target)
            if not earlier:
                return BaselineUnusable(f"--baseline last: no earlier run against {target} in {self.history}")
            self._baseline_path = str(earlier[-1])
            try:
                return read_summary(earlier[-1])
            except BaselineUnusable as exc:
                return exc
        if isinstance(self._baseline, dict):
            try:
                check_target(self._baseline, self.baseline_option, target)
            except BaselineUnusable as exc:
                return exc
        return self._baseline

    def keep(self, summary: Path, started: float, *, complete: bool) -> None:
        """Add the written summary to the history (complete runs only); disk trouble is one warning."""
        if not self.target:
            return  # the run never got to `finish`: a bad configuration
        if self.keep_history and complete:
            try:
                append_run(self.history, summary, self.target, started)
            except OSError as exc:
                self.warnings.append(f"cannot keep this run in {self.history}: {exc.strerror or exc}; the run is not affected")

    def console_lines(self, clean: Clean) -> list[tuple[str, dict]]:
        """Lines for the terminal summary with their markup: the digest, known ones, warnings."""
        lines: list[tuple[str, dict]] = [(clean(line), {"bold": True}) for line in digest(self.since)] if self.since else []
        summary = self.known_summary
        if summary:
            seen, fixed = summary["seen"], summary["fixed"]
            accepted = f"{len(seen)} seen and accepted" if seen else "none seen"
            lines.append((clean(f"known violations ({summary['file']}): {accepted}"), {"yellow": True}))
            for entry in fixed:
                lines.append((clean(f"fixed — remove it from the file: {_entry_line(entry)}"), {"green": True}))
        if self.recorded:
            lines.append((clean(f"recorded {len(self.seen)} violation(s) as known in {self.record_known}"), {}))
        lines.extend((clean(f"warning: {w}"), {"yellow": True}) for w in self.warnings)
        return lines

    def html(self, record: RunRecord, clean: Clean) -> str:
        """The report's part: since the baseline, known violations, the history strip."""
        changes = since_baseline_html(self.since, record.regression.get("baseline_warning"), clean)
        strip = history_strip_html(self.runs)
        known = known_html(record.regression.get("known_violations"), clean)
        if not changes and len(self.runs) <= 1:
            return strip + known  # nothing to compare with yet: at most one compact line, no framed box
        # Side by side and framed, so both are above the fold: what changed, and the picture of the last runs.
        return (
            '<section class="regression" style="display:flex;flex-wrap:wrap;gap:32px;border:2px solid #447;padding:6px 12px;margin:8px 0">'
            f"<div>{changes}</div><div>{strip}</div></section>{known}"
        )


def _entry_line(entry: dict) -> str:
    return f"{entry['status']} {entry['check']} {entry['path']}"


def known_html(summary: dict | None, clean: Clean) -> str:
    """Known violations apart from the rest: seen (accepted), fixed (to remove from the file), new."""
    if not summary:
        return ""

    def items(entries: list[dict]) -> str:
        return "".join(f"<li><code>{escape(clean(_entry_line(e)))}</code></li>" for e in entries)

    parts = [f"<h3>Known violations (<code>{escape(clean(summary['file']))}</code>)</h3>"]
    parts.append(f"<p><b>Seen, known ({len(summary['seen'])}):</b> accepted, not failing the run</p><ul>{items(summary['seen'])}</ul>")
    if summary["fixed"]:
        parts.append(
            f'<p><b style="color:#080">Fixed — remove it from the file ({len(summary["fixed"])}):</b></p><ul>{items(summary["fixed"])}</ul>'
        )
    if summary["new"]:
        parts.append(f'<p><b style="color:#b00">New, not in the file ({len(summary["new"])}):</b></p><ul>{items(summary["new"])}</ul>')
    return '<section class="known-violations">' + "".join(parts) + "</section>"
