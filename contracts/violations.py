"""The one failure type: where (JSON path), what was expected, what came back."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import reduce

_GOT_LIMIT = 80
_SURROGATE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """Lone surrogates (valid in a JSON string, e.g. `"\\ud800"`, but not encodable as UTF-8) as their JSON escape."""
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# jsonschema's own rule (`ValidationError.json_path`), so a path reads the same whoever wrote it.
_PLAIN_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")


def child_path(parent: str, key: str | int) -> str:
    """`$.name`, `$[0]`, or `$['plan tier']` for a name that needs quoting."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _PLAIN_NAME.match(key):
        return f"{parent}.{key}"
    quoted = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{parent}['{escape_surrogates(quoted)}']"  # a name may hold a lone surrogate: shown, never written raw


def json_path(keys: tuple[str | int, ...]) -> str:
    return reduce(child_path, keys, "$")


def describe(value: object) -> str:
    """A short JSON rendering of a value, never a dump of a whole document."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > _GOT_LIMIT:
        text = text[: _GOT_LIMIT - 1] + "…"
    return escape_surrogates(text)


@dataclass(frozen=True)
class Violation:
    """One broken rule, e.g. `$.anniversaryDate: expected ISO date YYYY-MM-DD, got "2026/12/01"`."""

    path: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.path}: expected {self.expected}, got {self.got}"


class ContractViolation(AssertionError):
    """Every violation seen in one exchange, raised once so a run lists them all."""

    def __init__(self, where: str, violations: list[Violation]):
        self.where = where
        self.violations = list(violations)
        super().__init__(listing(where, self.violations))


def listing(where: str, violations: list[Violation] | tuple[Violation, ...]) -> str:
    """`where: N contract violations` and one indented line per violation."""
    count = len(violations)
    lines = "\n".join(f"  {v}" for v in violations)
    return f"{where}: {count} contract violation{'s' if count != 1 else ''}\n{lines}"
