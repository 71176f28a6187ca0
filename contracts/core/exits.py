"""The one exit-code table of every way in (the gate, replay, the Locust run, validate); the README shows it.

Each code means one thing wherever it comes from. The gate's codes are pytest's where pytest has one (0, 1, 2,
3, 4, 5); the others are sysexits(3) codes where one fits (65, 73, 75)."""

from __future__ import annotations

HONOURED = 0  # every check ran and passed
VIOLATED = 1  # the contract is broken (pytest's "tests failed")
INTERRUPTED = 2  # SIGTERM or Ctrl-C (pytest's "interrupted"): the outputs are written, marked interrupted
INTERNAL_ERROR = 3  # a bug of the tool itself (pytest's "internal error")
BAD_CONFIGURATION = 4  # an option, file, URL or credential setup to fix before anything can run (pytest's usage error)
NO_CHECK_RAN = 5  # nothing was verified, so nothing may pass (pytest's "no tests")
NOT_VERIFIED = 6  # nothing failed, but a required status (--require) was not verified: not a pass
UNREADABLE_INPUT = 65  # EX_DATAERR: some input (a capture entry, a payload file) could not be read; the rest was judged
OUTPUTS_NOT_WRITTEN = 73  # EX_CANTCREAT: the verdict stands (see the console), but an output could not be written
UNREACHABLE = 75  # EX_TEMPFAIL: no HTTP answer from the target; retry later

MEANINGS = {
    HONOURED: "the contract is honoured",
    VIOLATED: "the contract is violated",
    INTERRUPTED: "interrupted before the end: what ran so far is shown",
    INTERNAL_ERROR: "an internal error of the tool: nothing can be concluded",
    BAD_CONFIGURATION: "bad configuration: nothing was checked",
    NO_CHECK_RAN: "no check ran: nothing was verified",
    NOT_VERIFIED: "nothing failed, but a required status was not verified",
    UNREADABLE_INPUT: "nothing failed, but some input could not be read",
    OUTPUTS_NOT_WRITTEN: "the verdict stands, but an output could not be written",
    UNREACHABLE: "the target gave no HTTP answer: retry later",
}

# Which ways in can end with which code (the README's table has a column per way in).
WAYS_IN = ("gate", "replay", "load", "validate")
GIVEN_BY = {
    HONOURED: WAYS_IN,
    VIOLATED: WAYS_IN,
    INTERRUPTED: WAYS_IN,
    INTERNAL_ERROR: ("gate",),
    BAD_CONFIGURATION: WAYS_IN,
    NO_CHECK_RAN: ("gate", "replay", "load"),
    NOT_VERIFIED: ("gate",),
    UNREADABLE_INPUT: ("replay", "validate"),
    OUTPUTS_NOT_WRITTEN: ("gate", "replay", "load"),
    UNREACHABLE: ("gate",),
}


def verdict(code: int | None) -> str:
    """The one word a reader sees first: only 0 passes, only 1 says the contract is broken."""
    if code == HONOURED:
        return "PASSED"
    if code == VIOLATED:
        return "FAILED"
    return "INTERRUPTED" if code == INTERRUPTED else "NOT VERIFIED"


def verdict_line(code: int, *, judged: int | None = None) -> str:
    """The last words of every way in, e.g. `verdict: FAILED (exit 1: the contract is violated)`. `judged`: the run's
    own code, where outputs that could not be written made it another (73); the verdict that stands is said too."""
    line = f"verdict: {verdict(code)} (exit {code}: {_meaning(code)})"
    if judged is not None and judged != code:
        line += f"; the verdict that stands: {verdict(judged)} (exit {judged}: {_meaning(judged)})"
    return line


def _meaning(code: int) -> str:
    return MEANINGS.get(code, "an exit status of its own")


def with_outputs_lost(code: int) -> int:
    """The exit status of a run whose outputs could not all be written: a broken contract (or an interrupted
    run) keeps its code, which already fails CI; any other verdict says that the outputs are missing."""
    return code if code in (VIOLATED, INTERRUPTED) else OUTPUTS_NOT_WRITTEN
