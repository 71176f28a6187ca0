"""What a run saw (`RunRecord`), whichever way it came in, and summary.json, the machine-readable form of it that
CI, baselines and the history read. Its `evidence` of undocumented members goes into summary.json under
"evidence", checked again by the run's final redactor and within its size cap, so the history keeps it for
`python -m contracts propose`."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.core.contract import CONTRACT, TOOL, VERSION
from contracts.core.coverage import StatusCoverage, TestResult, status_coverage
from contracts.judging.evidence import Evidence
from contracts.judging.schemas import schema_hashes

Clean = Callable[[str], str]  # masks secrets (and makes control characters visible) in text from the target


SUMMARY_FORMAT = 2  # summary.json's layout; a baseline in an older one is not compared with


def as_is(text: str) -> str:
    return text


@dataclass
class RunRecord:
    started: float
    target: str = ""
    embedded: bool = False
    stopped: str | None = None
    cause: str | None = None  # what explains the verdict beyond the checks' own words, e.g. the run's credentials refused
    interrupted: bool = False  # by SIGTERM or Ctrl-C: what was seen so far, not a whole run
    exit_status: int | None = None
    counts: Counter = field(default_factory=Counter)
    drift: Counter = field(default_factory=Counter)
    results: dict[int, list[TestResult]] = field(default_factory=dict)  # per documented status, its tests' results
    selected: set[int] = field(default_factory=set)  # statuses some selected test verifies
    not_selected: dict[int, str] = field(default_factory=dict)  # why no selected test asks for a status
    not_seen: dict[int, str] = field(default_factory=dict)  # replay, load: statuses the traffic held no answer with
    way_in: str = "gate"  # gate, replay or load: what filled this record
    required: frozenset[int] = frozenset()  # statuses this run must verify to pass (none for an offline run)
    violations: Counter = field(default_factory=Counter)  # (status judged against, check, path) -> times seen
    elapsed: dict[int, list[float]] = field(default_factory=dict)  # per answered status, seconds per exchange
    regression: dict = field(default_factory=dict)  # since_baseline, known_violations, baseline_warning: set by the gate
    evidence: Evidence = field(default_factory=Evidence)  # what undocumented members looked like, per kind of body

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
                not_seen=self.not_seen.get(status),
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
            "tool": {"name": TOOL, "version": VERSION, "schemas": schema_hashes()},
            "way_in": self.way_in,
            "target": {"base_url": self.target, "embedded": self.embedded},
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "duration_s": round(time.time() - self.started, 3),
            "exit_status": self.exit_status,
            "stopped_early": self.stopped,
            "cause": self.cause,
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


def summary_text(record: RunRecord, clean: Clean) -> str:
    """summary.json's text: every string cleaned, and the JSON text once more (an escaped form of a secret). The
    evidence is checked again by the same redactor, which by now knows every secret of the run."""
    summary = cleaned_summary(record, clean) | {"evidence": _cleaned(record.evidence.as_dict(clean=clean), clean)}
    return clean(json.dumps(summary, indent=2)) + "\n"


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
