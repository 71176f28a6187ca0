"""Contract verdicts under load: each response judged for its own status, counted per status, mergeable across workers.

Pure Python (no Locust import), so the gate, the tests and the benchmark use it without Locust's gevent patching."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from contracts.core.redaction import Redactor
from contracts.core.violations import Violation
from contracts.judging.checks import CACHED_BODY, Verdict, judge_answer
from contracts.judging.evidence import Evidence

EXAMPLES_PER_STATUS = 3  # the first violating responses of each status, kept whole enough to diagnose
PATHS_PER_STATUS = 50  # distinct JSON paths counted per status; a hostile target cannot grow the tally without end
REASONS_KEPT = 20  # distinct reasons for responses that never completed
TEXT_LIMIT = 200  # characters of one violation line, path or reason
BODY_EXCERPT = 600  # characters of body shown in an example
OTHER_PATHS = "(other paths)"


def judged(
    status: int,
    content_type: str,
    body: bytes,
    strict_fields: frozenset[str] = frozenset(),
    truncated_at: int | None = None,
    reason: str = "",
) -> Verdict:
    """Every violation of one response, judged by the gate's checks for the status it came with (and its reason phrase,
    which a status violation quotes as the gate's does), and its drift."""
    if len(body) <= CACHED_BODY:
        return _judged_cached(status, content_type, body, strict_fields, truncated_at, reason)
    return judge_answer(status, content_type, body, strict_fields, reason, truncated_at=truncated_at)


@lru_cache(maxsize=256)
def _judged_cached(
    status: int, content_type: str, body: bytes, strict_fields: frozenset[str], truncated_at: int | None, reason: str
) -> Verdict:
    # Under load the same answer comes back again and again (one account's organization changes rarely).
    return judge_answer(status, content_type, body, strict_fields, reason, truncated_at=truncated_at)


def _bounded(text: str, limit: int = TEXT_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failure_name(status: int, violations: tuple[Violation, ...], redact: Redactor) -> str:
    """What Locust lists as the failure: the status and the JSON paths, e.g. `200 $.messagesCap`."""
    paths = list(dict.fromkeys(v.path for v in violations))
    shown = ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
    return _bounded(redact(f"{status} {shown}"))


@dataclass
class StatusTally:
    responses: int = 0
    violating: int = 0
    paths: Counter = field(default_factory=Counter)
    checks: dict[str, str] = field(default_factory=dict)  # path -> the check that found it, for the run record
    examples: list[dict] = field(default_factory=list)

    def count_path(self, path: str, times: int = 1, check: str = "") -> None:
        if path in self.paths or len(self.paths) < PATHS_PER_STATUS:
            self.paths[path] += times
            self.checks.setdefault(path, check)
        else:
            self.paths[OTHER_PATHS] += times

    def as_dict(self) -> dict:
        return {
            "responses": self.responses,
            "violating": self.violating,
            "paths": dict(self.paths),
            "checks": dict(self.checks),
            "examples": list(self.examples),
        }


@dataclass
class LoadTally:
    """What one node judged; a snapshot is what a worker ships to the master, `merge` adds one in."""

    statuses: dict[int, StatusTally] = field(default_factory=dict)
    no_answer: Counter = field(default_factory=Counter)  # reason -> count: no complete HTTP answer, nothing to judge
    evidence: Evidence = field(default_factory=Evidence)  # what undocumented members looked like
    plain: int = 0  # responses to the plain request, with the configured credentials and nothing else
    refused: int = 0  # of those, answered 401: the target refused the configured credentials themselves
    refused_only: int = 0  # of those, the ones without a violation of their own: failures besides `violating`

    def observe(
        self,
        status: int,
        violations: tuple[Violation, ...],
        content_type: str,
        body: bytes,
        redact: Redactor,
        *,
        drift: Sequence[str] = (),
        whole: bool = True,
        plain: bool = False,
    ) -> None:
        """Count one judged response; the first few violating ones of each status are kept as examples. A body read
        `whole` (not cut at the cap) is evidence of what the service sends, with its `drift`. A `plain` request's
        401 is counted as refused credentials, the run's cause (`refused_cause`)."""
        tally = self.statuses.get(status) or self.statuses.setdefault(status, StatusTally())  # no new tally per response
        tally.responses += 1
        if plain:
            self.plain += 1
            self.refused += status == 401
            self.refused_only += status == 401 and not violations
        if whole:
            self.evidence.answer(status, body, drift, valid=not violations, clean=redact)
        if not violations:
            return
        tally.violating += 1
        for path, check in {v.path: v.check for v in violations}.items():
            tally.count_path(_bounded(redact(path)), check=check)
        if len(tally.examples) < EXAMPLES_PER_STATUS:
            lines = [_bounded(redact(str(v))) for v in violations[:10]]
            if all(lines != example["violations"] for example in tally.examples):  # the same breakage a thousand times is one example
                tally.examples.append({"violations": lines, **_excerpt(content_type, body, redact)})

    def unanswered(self, reason: str, redact: Redactor) -> None:
        reason = _bounded(redact(reason))
        if reason in self.no_answer or len(self.no_answer) < REASONS_KEPT:
            self.no_answer[reason] += 1
        else:
            self.no_answer["(other reasons)"] += 1

    @property
    def responses(self) -> int:
        return sum(t.responses for t in self.statuses.values())

    @property
    def violating(self) -> int:
        return sum(t.violating for t in self.statuses.values())

    @property
    def failing(self) -> int:
        """Responses Locust lists as failures: those violating the reference, and plain requests refused (401)."""
        return self.violating + self.refused_only

    def snapshot(self) -> dict:
        """Plain data (string keys, lists, numbers) for Locust's worker-to-master messages."""
        return {
            "statuses": {str(s): t.as_dict() for s, t in self.statuses.items()},
            "no_answer": dict(self.no_answer),
            "evidence": self.evidence.as_dict(),
            "plain": self.plain,
            "refused": self.refused,
            "refused_only": self.refused_only,
        }

    def merge(self, snapshot: dict) -> None:
        for status, data in snapshot.get("statuses", {}).items():
            tally = self.statuses.setdefault(int(status), StatusTally())
            tally.responses += int(data["responses"])
            tally.violating += int(data["violating"])
            checks = data.get("checks", {})
            for path, count in data["paths"].items():
                tally.count_path(path, int(count), str(checks.get(path, "")))
            for example in data["examples"]:
                if len(tally.examples) < EXAMPLES_PER_STATUS and all(example["violations"] != e["violations"] for e in tally.examples):
                    tally.examples.append(example)
        for reason, count in snapshot.get("no_answer", {}).items():
            self.no_answer[reason] += int(count)
        self.plain += int(snapshot.get("plain", 0))
        self.refused += int(snapshot.get("refused", 0))
        self.refused_only += int(snapshot.get("refused_only", 0))
        if "evidence" in snapshot:  # a worker's, of the same run
            self.evidence.merge(Evidence.from_dict(snapshot["evidence"]), same_run=True)


def _excerpt(content_type: str, body: bytes, redact: Redactor) -> dict:
    """Content type and body as an example shows them: redacted before cut, so no part of a secret survives the cut."""
    text = redact(body.decode("utf-8", errors="replace"))
    excerpt = text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + f"… ({len(body)} bytes in all)"
    return {"content_type": _bounded(redact(content_type)), "body": excerpt}
