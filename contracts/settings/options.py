"""The options the ways in share, each declared once: its name, default, help and check.

The gate registers them into pytest's parser, `replay` and `validate` into argparse, the Locust file into
Locust's parser (which also reads each one from a `LOCUST_…` environment variable). Their values are checked by
the same functions, so `--strict-fields=wrong` says the same words whichever way in was given it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.core.limits import DEFAULT_MAX_BODY, DEFAULT_TIMEOUT, MAX_TIMEOUT, format_size


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    metavar: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # argparse keywords: nargs, const, action, dest

    @property
    def dest(self) -> str:
        return str(self.extra.get("dest", self.flag.lstrip("-").replace("-", "_")))

    @property
    def locust_variable(self) -> str:
        return "LOCUST_" + self.flag.lstrip("-").replace("-", "_").upper()

    def keywords(self) -> dict[str, Any]:
        flag = self.extra.get("action") in ("store_true", "store_false")
        found: dict[str, Any] = {"help": self.help, **self.extra}
        if not flag:
            found.setdefault("default", None)  # unset: the settings' own default applies, and says so in messages
            found["metavar"] = self.metavar
        return found


STRICT_FIELDS = Option(
    "--strict-fields",
    "fail on undocumented fields instead of listing them as drift; alone for every body, or a comma list of organization,error",
    "KINDS",
    {"nargs": "?", "const": "all"},
)
REQUEST_TIMEOUT = Option(
    "--request-timeout",
    f"wall-clock deadline of each whole exchange with the target, connect to last body byte (default {DEFAULT_TIMEOUT:g}, at most {MAX_TIMEOUT:g})",
    "SECONDS",
)
MAX_BODY = Option(
    "--max-body",
    f"read at most this much of each decoded body, e.g. 10MiB or 1048576; a longer body is a violation (default {format_size(DEFAULT_MAX_BODY)})",
    "BYTES",
)
SCENARIOS = Option(
    "--scenarios",
    "TOML file saying how to provoke 400/402/500/502 on a real deployment ([status.NNN] with headers, query, credentials)",
    "FILE",
)
BASELINE = Option(
    "--baseline",
    "summary.json of an earlier run to compare with, or 'last' (the latest earlier run against the same target in the history folder)",
    "PATH|last",
)
FAIL_ON_DRIFT_CHANGE = Option(
    "--fail-on-drift-change",
    "exit 1 when undocumented fields appeared or vanished since the baseline",
    extra={"action": "store_true", "default": False},
)
KNOWN_VIOLATIONS = Option(
    "--known-violations",
    "JSON file of violations accepted for now (status, check, path): they do not fail the run; new ones do",
    "FILE",
)
RECORD_KNOWN = Option(
    "--record-known",
    "write this run's violations to FILE, to be given to --known-violations later",
    "FILE",
)

# What each way in takes; the gate's own (--require, --status, --summary-json) are declared with it.
REGRESSION = (BASELINE, FAIL_ON_DRIFT_CHANGE, KNOWN_VIOLATIONS, RECORD_KNOWN)
GATE = (REQUEST_TIMEOUT, MAX_BODY, STRICT_FIELDS, SCENARIOS, *REGRESSION)
REPLAY = (STRICT_FIELDS, MAX_BODY, *REGRESSION)
LOAD = (REQUEST_TIMEOUT, MAX_BODY, STRICT_FIELDS, SCENARIOS)
VALIDATE = (MAX_BODY,)


def add_to_pytest(group: Any, options: tuple[Option, ...]) -> None:
    for option in options:
        group.addoption(option.flag, **option.keywords())


def add_to_argparse(parser: Any, options: tuple[Option, ...]) -> None:
    for option in options:
        parser.add_argument(option.flag, **option.keywords())


def add_to_locust(group: Any, options: tuple[Option, ...]) -> None:
    """Locust's parser reads each option from its environment variable too (`LOCUST_STRICT_FIELDS`)."""
    for option in options:
        group.add_argument(option.flag, env_var=option.locust_variable, **option.keywords())
