"""Turn a body into violations: strict JSON parsing, schema validation, undocumented fields."""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import msgspec
from jsonschema.exceptions import ValidationError

from contracts.core.violations import Violation, child_path, describe
from contracts.judging import typed_decoding, verdict_memo
from contracts.judging.schemas import documented_members, validator

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


# A body deeper or larger than a client can safely build is refused before parsing, so the verdict never
# depends on how much Python stack the caller has left (`json.loads` recurses once per level).
MAX_NESTING = 128  # objects and arrays inside one another, the top-level one included
MAX_CONTAINERS = 100_000  # objects and arrays in one body: `[[],[],...]` costs ~80 bytes of Python per 3 bytes sent
_SHOWN_PATH_STEPS = 8  # a path deeper than this is cut when shown: `$.a[0][0]...`

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_STRING_OR_BRACKET = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")(\s*:)?|[\[\]{}]')
_DOUBLE_DIGITS = 309  # digits of the largest double (1.8e308): a longer integer cannot be one


class _Odd:
    """Stands in for a value a client cannot read as the server meant it, so its member can be named."""

    __slots__ = ("expected", "got")

    def __init__(self, expected: str, got: str):
        self.expected = expected
        self.got = got


class _DuplicateNames(dict):
    """An object in which some member name occurs more than once (`json.loads` would keep the last)."""

    __slots__ = ("duplicates",)
    duplicates: dict[str, int]  # name: how many times


# Every stand-in or marked object made takes a number, so parse_json walks a document only when its own
# parse made one (another thread's can only cost a needless walk): the walk is most of the cost of a parse.
_ODD_MADE = itertools.count()


def _non_standard_token(token: str) -> _Odd:
    next(_ODD_MADE)
    return _Odd("standard JSON (RFC 8259)", f"the non-standard token {token}")


def _out_of_range(text: str) -> _Odd:
    next(_ODD_MADE)
    shown = text if len(text) <= 40 else f"{text[:24]}… ({len(text)} characters)"
    return _Odd("a number within IEEE-754 double range", shown)


def _float(text: str) -> float | _Odd:
    value = float(text)
    return _out_of_range(text) if value in (math.inf, -math.inf) else value  # 1e-400 underflows to 0.0: fine


def _integer(text: str) -> int | _Odd:
    digits = len(text) - text.startswith("-")
    if digits < _DOUBLE_DIGITS:
        return int(text)
    if digits > _DOUBLE_DIGITS:
        return _out_of_range(text)  # also spares int() a 4,300-digit limit and its quadratic cost
    value = int(text)
    try:
        float(value)
    except OverflowError:
        return _out_of_range(text)
    return value


def _members(pairs: list[tuple[str, object]]) -> dict:
    members = dict(pairs)
    if len(members) == len(pairs):
        return members
    next(_ODD_MADE)
    marked = _DuplicateNames(members)
    counts = Counter(name for name, _ in pairs)
    marked.duplicates = {name: n for name, n in counts.items() if n > 1}
    return marked


_DECODER = json.JSONDecoder(object_pairs_hook=_members, parse_float=_float, parse_int=_integer, parse_constant=_non_standard_token)


def _odd_members(document: object) -> list[Violation]:
    """Each stand-in and each duplicated member name, with its JSON path, in document order."""
    found: list[Violation] = []
    pending: list[tuple[str, object]] = [("$", document)]
    while pending:  # iterative, though the nesting limit already bounds the depth
        path, node = pending.pop()
        if isinstance(node, _Odd):
            found.append(Violation(path, node.expected, node.got))
        elif isinstance(node, dict):
            if isinstance(node, _DuplicateNames):
                found.extend(
                    Violation(child_path(path, name), "a member name used once per object", f"{describe(name)} {_times(n)}")
                    for name, n in node.duplicates.items()
                )
            pending.extend((child_path(path, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            pending.extend((child_path(path, i), v) for i, v in reversed(list(enumerate(node))))
    return found


def _times(count: int) -> str:
    return "twice" if count == 2 else f"{count} times"


def _size_violations(text: str) -> list[Violation]:
    """More than MAX_CONTAINERS objects and arrays, or nesting beyond MAX_NESTING (at the path where it starts)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return []  # cheap and usual: too few brackets, even counting those inside strings
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    containers = brackets.count("[") + brackets.count("{")
    if containers > MAX_CONTAINERS:
        return [Violation("$", f"at most {MAX_CONTAINERS:,} objects and arrays in one body", f"{containers:,}")]
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_NESTING:
            return [Violation(_path_to_depth(text, depth), f"nesting at most {MAX_NESTING} levels deep", "deeper")]
        if depth < 0:
            break  # unbalanced: the parser names that
    return []


def _path_to_depth(text: str, depth: int) -> str:
    """The JSON path of the first object or array at `depth` (the top level is 1), cut when long."""
    steps: list[str | int] = []  # per open container: its current member's name (object) or index (array)
    scanned = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        if steps and isinstance(steps[-1], int):  # commas since the last token separate this array's members
            steps[-1] += text.count(",", scanned, match.start())
        scanned = match.end()
        token, is_name = match.group(1), match.group(2)
        if token is not None:
            if is_name and steps and isinstance(steps[-1], str):
                steps[-1] = _name(token)
        elif match.group() in "[{":
            if len(steps) + 1 == depth:
                break
            steps.append(0 if match.group() == "[" else "")
        elif steps:
            steps.pop()
    path = "$"
    for step in steps[:_SHOWN_PATH_STEPS]:
        path = child_path(path, step)
    return path + ("…" if len(steps) > _SHOWN_PATH_STEPS else "")


def _name(token: str) -> str:
    try:
        return json.loads(token, strict=False)
    except ValueError:  # a bad escape: the parser will name it; the path still needs a step
        return token[1:-1]


def _decode(text: str) -> object:
    try:
        return _DECODER.decode(text)
    except RecursionError:
        # The caller has used up nearly all its stack; MAX_NESTING levels always fit in a new thread's.
        with ThreadPoolExecutor(max_workers=1) as fresh_stack:
            return fresh_stack.submit(_DECODER.decode, text).result()


def parse_json(raw: bytes | str) -> object:
    """Parse like a strict client; raises only `NotJSON`. Refused: NaN/Infinity, numbers beyond double range,
    a member name used twice in one object, nesting or size beyond the limits above, an empty or truncated body."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NotJSON(Violation("$", "a UTF-8 JSON document", f"undecodable bytes at offset {exc.start}")) from None
    if not raw.strip():
        raise NotJSON(Violation("$", "a JSON document", "an empty body"))
    oversized = _size_violations(raw)
    if oversized:
        raise NotJSON(Violation("$", "a JSON document a client can parse", oversized[0].got), oversized)
    before = next(_ODD_MADE)
    try:
        document = _decode(raw)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(raw.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "a truncated JSON document" if truncated else f"invalid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise NotJSON(Violation("$", "a complete JSON document", what)) from None
    odd = _odd_members(document) if next(_ODD_MADE) != before + 1 else []
    if odd:
        raise NotJSON(Violation("$", odd[0].expected, odd[0].got), odd)
    return document


def check_document(kind: str, raw: bytes | str) -> tuple[object, list[Violation]]:
    """Parse strictly, then validate: the document (None when it is not JSON) and every violation. A body the fast
    path confirms (`typed_decoding.confirm`) is valid, and msgspec's reading of it is the strict parser's."""
    data = _as_bytes(raw)
    if data is not None and typed_decoding.confirm(kind, data) is not None:
        return msgspec.json.decode(data), []
    return strictly_checked(kind, raw)


def violations_of(kind: str, raw: bytes | str) -> list[Violation]:
    """Every violation of a `kind` body, as `check_document` finds them, without the document (`validate` prints these)."""
    data = _as_bytes(raw)
    if data is not None and typed_decoding.confirm(kind, data) is not None:
        return []
    return strictly_checked(kind, raw)[1]


def strictly_checked(kind: str, raw: bytes | str) -> tuple[object, list[Violation]]:
    """The strict path, which alone writes violations: `parse_json` (or msgspec's reading where it is the same,
    `typed_decoding.read`), then jsonschema (`validate`), which looks only at the members msgspec does not read as
    valid where it can tell which."""
    data = _as_bytes(raw)
    document = typed_decoding.read(data) if data is not None else typed_decoding.UNREAD
    if document is typed_decoding.UNREAD:
        try:
            document = parse_json(raw)
        except NotJSON as exc:
            return None, exc.violations
    return document, validate(kind, document, text=data)


def _as_bytes(raw: bytes | str) -> bytes | None:
    """The body as UTF-8 bytes, which the strict parser reads as it reads the text; None for text with a lone surrogate."""
    if type(raw) is bytes:
        return raw
    try:
        return raw.encode("utf-8") if isinstance(raw, str) else None
    except UnicodeEncodeError:
        return None


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


def validate(kind: str, instance: object, *, text: bytes | None = None) -> list[Violation]:
    """Every violation of the schema for `kind`, each once, in document order. `text`, the bytes the strict parser
    read `instance` from, lets jsonschema look only at the root members msgspec does not read as valid
    (`typed_decoding.failing_members`): `properties` judges each member apart, so the violations are the same."""
    members = typed_decoding.failing_members(kind, text) if text is not None else None
    return verdict_memo.remembered(kind, instance, members, len(text or b""), partial(_validated, kind, instance, members))


def _validated(kind: str, instance: object, members: frozenset[str] | None) -> list[Violation]:
    errors = list(validator(kind, members).iter_errors(instance))
    if not errors:
        return []
    seen: dict[Violation, None] = {}
    # A wrong type makes every other rule at that path moot (null is not in the enum either): say it once.
    mistyped = set()
    for error in sorted(errors, key=lambda e: (e.validator != "type", [str(p) for p in e.absolute_path])):
        path = error.json_path
        if path in mistyped:
            continue
        if error.validator == "type":
            mistyped.add(path)
        for violation in _violations_of(error):
            seen.setdefault(violation)
    return sorted(seen, key=lambda v: v.path)


def undocumented_fields(kind: str, instance: object) -> list[str]:
    """JSON paths of object members the schema does not list (drift, or a failure in strict mode), in document order."""
    members = documented_members(kind)
    found: list[str] = []
    listed = members.get(())
    if listed is not None and type(instance) is dict:
        if len(members) == 1:  # the schema documents no object inside: only the root's names can be undocumented
            return found if listed.issuperset(instance) else [child_path("$", name) for name in instance if name not in listed]
        if listed.issuperset(instance) and dict not in map(type, instance.values()):
            return found  # every member documented and none an object: nothing deeper to look at

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
