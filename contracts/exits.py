"""Exit codes of a gate run (see README, "Exit codes")."""

HONOURED = 0  # every check ran and passed
VIOLATED = 1  # pytest's "tests failed": the contract is broken
INTERRUPTED = 2  # pytest's "interrupted": SIGTERM or Ctrl-C; the reports are written, marked interrupted
BAD_CONFIGURATION = 4  # pytest's usage error: a setting to fix before anything can run
NO_CHECK_RAN = 5  # pytest's "no tests": nothing was verified, so nothing may pass
NOT_VERIFIED = 6  # nothing failed, but a required status (--require) was not verified: not a pass
UNREACHABLE = 75  # EX_TEMPFAIL: no HTTP answer from the target; retry later
