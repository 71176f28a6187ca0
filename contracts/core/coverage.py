"""Per documented status: was it really verified, and if not, why not.

Words computed from what the run did, never from what it meant to do:
- `verified`: an answer with the status was judged against it (passed or failed, with the exchange);
- `not provoked` (gate): the request meant to provoke it got another status (the reason says which);
- `not selected` (gate): no selected test asks for it (`-m`, `-k` or paths left its tests out);
- `not attempted` (gate): its tests were selected but none got an answer (the run stopped early, a setup error);
- `not seen` (replay, load): the traffic judged held no answer with this status; nothing left it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VERIFIED = "verified"
NOT_PROVOKED = "not provoked"
NOT_SELECTED = "not selected"
NOT_ATTEMPTED = "not attempted"
NOT_SEEN = "not seen"
FAILED_OUTCOMES = ("failed", "error")


@dataclass(frozen=True)
class TestResult:
    """What one test of a status did, read from the exchanges and violations the gate holds."""

    __test__ = False  # not a pytest test class

    name: str
    outcome: str  # passed | failed | skipped | error
    verified: bool  # an answer was judged against this test's status
    answered: int | None = None  # the status a provoking request got instead of the one it asked for
    reason: str = ""  # why it failed, or why it did not verify


@dataclass
class StatusCoverage:
    status: int
    coverage: str
    outcome: str | None = None  # passed/failed when verified; failed whenever one of its tests failed
    required: bool = False
    tests: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """One word: the outcome where there is one, else the coverage."""
        return self.outcome or self.coverage

    @property
    def verified(self) -> bool:
        return self.coverage == VERIFIED

    def line(self) -> str:
        head = f"{self.coverage}, {self.outcome}" if self.verified else self.coverage
        if self.outcome == "failed" and not self.verified:
            head += ", failed"
        return head + (f": {'; '.join(self.reasons)}" if self.reasons else "")


def status_coverage(
    status: int, results: list[TestResult], *, selected: bool, not_selected: str, stopped: str | None, not_seen: str | None = None
) -> StatusCoverage:
    """The coverage of one documented status from its tests' results (replay and load: one result per status seen)."""
    if not_seen is not None and not results:
        return StatusCoverage(status, NOT_SEEN, reasons=[not_seen])
    failed = any(r.outcome in FAILED_OUTCOMES for r in results)
    covered = StatusCoverage(status, NOT_SELECTED, tests=[r.name for r in results])
    if any(r.verified for r in results):
        covered.coverage = VERIFIED
        covered.reasons = [f"{r.name}: {r.reason}" for r in results if r.outcome in FAILED_OUTCOMES and r.reason]
    elif any(r.answered is not None for r in results):
        covered.coverage = NOT_PROVOKED
        covered.reasons = [r.reason for r in results if r.reason]
    elif selected or results:
        covered.coverage = NOT_ATTEMPTED
        covered.reasons = [r.reason for r in results if r.reason] or [stopped or "its tests did not run"]
    else:
        covered.reasons = [not_selected]
    covered.outcome = "failed" if failed else ("passed" if covered.verified else None)
    return covered
