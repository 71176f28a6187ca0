"""Turn a body into violations: strict JSON parsing, schema validation, undocumented fields."""

from __future__ import annotations

import json

from jsonschema.exceptions import ValidationError

from . import fast_validation
from .schemas import documented_members, validator
from .violations import Violation, child_path, describe

# What a `format` means, in words a QA reader understands.
_FORMAT_WORDS = {
    "date": "ISO date YYYY-MM-DD that exists on the calendar",
    "date-time": "RFC 3339 timestamp like 2026-01-31T09:30:00Z",
}

_JSON_TYPES = ((bool, "boolean"), (type(None), "null"), (str, "string"), (dict, "object"), (list, "array"))


class NotJSON(ValueError):
    """The body is not a standard JSON document.

    `violation` says so for the whole document; `violations` names each offending member by its
    path where one can be named (`$.costCap: ... the non-standard token NaN`), else holds `violation`."""

    def __init__(self, violation: Violation, located: list[Violation] | None = None):
        super().__init__(str(violation))
        self.violation = violation
        self.violations = located or [violation]


def json_type(value: object) -> str:
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return "number"


def got(value: object) -> str:
    """`"100" (string)`: the value and its JSON type, since `true` and `1` look alike in Python."""
    return f"{describe(value)} ({json_type(value)})"


class _NonStandardToken:
    """Stands in for NaN/Infinity/-Infinity while parsing, so the member holding it can be named."""

    __slots__ = ("token",)

    def __init__(self, token: str):
        self.token = token


def _non_standard_tokens(document: object) -> list[Violation]:
    """Each stand-in with the JSON path of its member, in document order."""
    found: list[Violation] = []
    pending: list[tuple[str, object]] = [("$", document)]
    while pending:  # iterative: a deeply nested document must not overflow the stack
        path, node = pending.pop()
        if isinstance(node, _NonStandardToken):
            found.append(Violation(path, "standard JSON (RFC 8259)", f"the non-standard token {node.token}"))
        elif isinstance(node, dict):
            pending.extend((child_path(path, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            pending.extend((child_path(path, i), v) for i, v in reversed(list(enumerate(node))))
    return found


def parse_json(raw: bytes | str) -> object:
    """Parse like a strict client: no NaN/Infinity, no empty body, no truncated document; raises only `NotJSON`."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJSON(Violation("$", "a UTF-8 JSON document", f"undecodable bytes at offset {exc.start}")) from None
    if not raw.strip():
        raise NotJSON(Violation("$", "a JSON document", "an empty body"))
    try:
        document = json.loads(raw, parse_constant=_NonStandardToken)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(raw.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "a truncated JSON document" if truncated else f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise NotJSON(Violation("$", "a complete JSON document", what)) from None
    except ValueError:  # an integer beyond Python's conversion limit (4300 digits)
        raise NotJSON(Violation("$", "a JSON document a client can parse", "an integer too long to convert")) from None
    except RecursionError:
        raise NotJSON(Violation("$", "a JSON document a client can parse", "nesting too deep to parse")) from None
    tokens = _non_standard_tokens(document) if isinstance(document, (dict, list, _NonStandardToken)) else []
    if tokens:
        raise NotJSON(Violation("$", "standard JSON (RFC 8259)", tokens[0].got), tokens)
    return document


def check_document(kind: str, raw: bytes | str) -> tuple[object, list[Violation]]:
    """Parse strictly, then validate: the document (None when it is not JSON) and every violation.
    A body the fast path confirms valid skips both; anything else is judged here in full."""
    document = fast_validation.confirmed(kind, raw)
    if document is not fast_validation.UNCONFIRMED:
        return document, []
    try:
        document = parse_json(raw)
    except NotJSON as exc:
        return None, exc.violations
    return document, validate(kind, document)


def _violations_of(error: ValidationError) -> list[Violation]:
    path = error.json_path
    keyword = error.validator
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [
            Violation(child_path(path, name), "required field", "nothing (field missing)")
            for name in error.validator_value
            if name not in present
        ]
    if keyword == "type":
        return [Violation(path, str(error.validator_value), got(error.instance))]
    if keyword == "enum":
        return [Violation(path, "one of " + ", ".join(describe(v) for v in error.validator_value), got(error.instance))]
    if keyword == "format":
        expected = _FORMAT_WORDS.get(error.validator_value, f"format {error.validator_value}")
        return [Violation(path, expected, got(error.instance))]
    return [Violation(path, f"{keyword} {describe(error.validator_value)}", got(error.instance))]


def validate(kind: str, instance: object) -> list[Violation]:
    """Every violation of the schema for `kind`, each once, in document order."""
    if fast_validation.confirms_valid(kind, instance):
        return []
    seen: dict[Violation, None] = {}
    errors = validator(kind).iter_errors(instance)
    # A wrong type makes every other rule at that path moot (null is not in the enum either): say it once.
    mistyped = set()
    for error in sorted(errors, key=lambda e: (e.validator != "type", [str(p) for p in e.absolute_path])):
        if error.json_path in mistyped:
            continue
        if error.validator == "type":
            mistyped.add(error.json_path)
        for violation in _violations_of(error):
            seen.setdefault(violation)
    return sorted(seen, key=lambda v: v.path)


def undocumented_fields(kind: str, instance: object) -> list[str]:
    """JSON paths of object members the schema does not list (drift, or a failure in strict mode), in document order."""
    members = documented_members(kind)
    found: list[str] = []

    def walk(keys: tuple[str, ...], path: str, value: object) -> None:
        listed = members.get(keys)
        if listed is None or not isinstance(value, dict):
            return
        for name, member in value.items():
            if name not in listed:
                found.append(child_path(path, name))
            elif isinstance(member, dict):
                walk((*keys, name), child_path(path, name), member)  # as deep as the schema, no deeper

    walk((), "$", instance)
    return found
