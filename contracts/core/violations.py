"""The one failure type: where (JSON path), what was expected, what came back, and which check found it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

from contracts.core.wording import counted

_GOT_LIMIT = 80  # characters of a value from the target shown in a violation
_WORDS_LIMIT = 240  # a description in our own words ("invalid JSON (… at line 1 column 2)") is kept whole up to this
_VALUE_STARTS = (*'"{[-0123456789', "true", "false", "null")
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
    return f"{parent}['{escape_surrogates(quoted_name(key))}']"  # a name may hold a lone surrogate: shown, never written raw


def quoted_name(name: str) -> str:
    """A member name as a quoted path step spells it (jsonschema's rule): backslash and quote escaped."""
    return name.replace("\\", "\\\\").replace("'", "\\'")


def json_path(keys: tuple[str | int, ...]) -> str:
    return reduce(child_path, keys, "$")


_PATH_LIMIT = 160  # a member name comes from the target too


def _as_is(text: str) -> str:
    return text


def describe(value: object) -> str:
    """A JSON rendering of a value, whole: `Violation` cuts it when it is shown, after redacting it."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = repr(value)
    return escape_surrogates(text)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters of the value, and the JSON type `validation.got` appends, e.g. ` (string)`."""
    value, opening, kind = text.rpartition(" (")
    suffix = opening + kind
    if not (opening and kind.endswith(")") and len(kind) <= 10):
        value, suffix = text, ""
    return text if len(value) <= limit else value[: limit - 1] + "…" + suffix


@dataclass(frozen=True)
class Violation:
    """One broken rule, e.g. `$.anniversaryDate: expected ISO date YYYY-MM-DD, got "2026/12/01"`.

    `got` (and `path`, whose member names come from the target) are kept whole; `render` masks them
    first and cuts them afterwards, so a cut never leaves part of a secret unmasked."""

    path: str
    expected: str
    got: str
    check: str = ""  # the check that found it: "status", "content_type", "schema", "documented_fields"

    def render(self, clean: Callable[[str], str] = _as_is) -> str:
        """The one-line form, with target text passed through `clean` (redaction) before it is cut."""
        got = clean(self.got)
        limit = _GOT_LIMIT if got.startswith(_VALUE_STARTS) else _WORDS_LIMIT  # a value is cut; our words are not
        return f"{shorten(clean(self.path), _PATH_LIMIT)}: expected {self.expected}, got {shorten(got, limit)}"

    def __str__(self) -> str:
        return self.render()


class ContractViolation(AssertionError):
    """Every violation seen in one exchange, raised once so a run lists them all."""

    def __init__(self, where: str, violations: list[Violation], clean: Callable[[str], str] = _as_is):
        self.where = where
        self.violations = list(violations)
        super().__init__(listing(where, self.violations, clean))


LISTED = 20  # violations listed in one failure's text; a body of 20,000 undocumented fields must not flood a console


def listing(where: str, violations: list[Violation] | tuple[Violation, ...], clean: Callable[[str], str] = _as_is) -> str:
    """`where: N contract violations` and one indented line per violation, the first LISTED of them."""
    count = len(violations)
    lines = "\n".join(f"  {v.render(clean)}" for v in violations[:LISTED])
    more = f"\n  … and {count - LISTED:,} more: see the report" if count > LISTED else ""
    return f"{where}: {counted(count, 'contract violation')}\n{lines}{more}"


def in_one_line(violations: Sequence[Violation]) -> str:
    """The violations joined by `; `, the first LISTED of them (replay's one line per exchange)."""
    more = f"; … and {len(violations) - LISTED:,} more: see the report" if len(violations) > LISTED else ""
    return "; ".join(str(v) for v in violations[:LISTED]) + more
