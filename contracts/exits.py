"""Exit codes of a gate run (see README, "Exit codes")."""

from __future__ import annotations

HONOURED = 0  # every check ran and passed
VIOLATED = 1  # pytest's "tests failed": the contract is broken
INTERRUPTED = 2  # pytest's "interrupted": SIGTERM or Ctrl-C; the reports are written, marked interrupted
BAD_CONFIGURATION = 4  # pytest's usage error: a setting to fix before anything can run
NO_CHECK_RAN = 5  # pytest's "no tests": nothing was verified, so nothing may pass
NOT_VERIFIED = 6  # nothing failed, but a required status (--require) was not verified: not a pass
UNREACHABLE = 75  # EX_TEMPFAIL: no HTTP answer from the target; retry later

MEANINGS = {
    HONOURED: "the contract is honoured",
    VIOLATED: "the contract is violated",
    INTERRUPTED: "interrupted before the end: what ran so far is shown",
    BAD_CONFIGURATION: "bad configuration: nothing was checked",
    NO_CHECK_RAN: "no check ran: nothing was verified",
    NOT_VERIFIED: "nothing failed, but a required status was not verified",
    UNREACHABLE: "the target gave no HTTP answer: retry later",
}


def verdict(code: int | None) -> str:
    """The one word a reader sees first: only 0 passes, only 1 says the contract is broken."""
    if code == HONOURED:
        return "PASSED"
    return "FAILED" if code == VIOLATED else "NOT VERIFIED"
