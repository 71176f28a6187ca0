"""The schema files' own layout, written by code: a proposed schema file must differ from the current one
only where the contract changes, so a reviewer reads a diff of the members added, not of a reformatting.

The layout of schemas/*.schema.json, as written by hand and reproduced exactly (tests/test_proposal.py checks
each file round-trips): two-space indentation; a member schema under `properties` on one line when it holds no
object or list of objects and fits in INLINE_WIDTH characters; a list of plain values on one line when it fits,
otherwise filled to FILL_WIDTH characters a line; everything else (the root, `$defs` entries, nested objects)
one member a line. An array's `items` schema is written like a member schema.
"""

from __future__ import annotations

import json

INLINE_WIDTH = 120
FILL_WIDTH = 80
_INDENT = "  "


def house_json(document: dict) -> str:
    """`document` as the schema files are written, with a final newline."""
    return _value(document, 0, inline_allowed=False) + "\n"


def _plain(value: object) -> bool:
    return not isinstance(value, (dict, list))


def _scalar(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _one_line(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(key)}: {_one_line(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_one_line(item) for item in value) + "]"
    return _scalar(value)


def _flat(value: dict) -> bool:
    """A member schema fit for one line: its values are plain, or lists of plain values (an `enum`)."""
    return all(_plain(item) or (isinstance(item, list) and all(map(_plain, item))) for item in value.values())


def _value(value: object, depth: int, *, inline_allowed: bool, prefix: str = "") -> str:
    """`value` at `depth`, its first line starting after `prefix` (the `"name": ` already written)."""
    indent = _INDENT * depth
    if isinstance(value, dict):
        if not value:
            return "{}"
        if inline_allowed and _flat(value) and len(indent + prefix + _one_line(value)) + 1 <= INLINE_WIDTH:
            return _one_line(value)
        return _object(value, depth)
    if isinstance(value, list):
        return _list(value, depth, prefix)
    return _scalar(value)


def _object(value: dict, depth: int) -> str:
    inner = _INDENT * (depth + 1)
    lines = []
    for key, item in value.items():
        prefix = f"{_scalar(key)}: "
        if key == "properties" and isinstance(item, dict):
            text = _properties(item, depth + 1)
        else:  # an array's `items` is a member schema too: one line when it fits
            text = _value(item, depth + 1, inline_allowed=key == "items", prefix=prefix)
        lines.append(inner + prefix + text)
    return "{\n" + ",\n".join(lines) + "\n" + _INDENT * depth + "}"


def _properties(members: dict, depth: int) -> str:
    if not members:
        return "{}"
    inner = _INDENT * (depth + 1)
    lines = []
    for name, member in members.items():
        prefix = f"{_scalar(name)}: "
        lines.append(inner + prefix + _value(member, depth + 1, inline_allowed=True, prefix=prefix))
    return "{\n" + ",\n".join(lines) + "\n" + _INDENT * depth + "}"


def _list(value: list, depth: int, prefix: str) -> str:
    if not value:
        return "[]"
    indent, inner = _INDENT * depth, _INDENT * (depth + 1)
    if all(map(_plain, value)):
        one_line = _one_line(value)
        if len(indent + prefix + one_line) + 1 <= INLINE_WIDTH:
            return one_line
        return "[\n" + "\n".join(_filled([_scalar(item) for item in value], inner)) + "\n" + indent + "]"
    items = [inner + _value(item, depth + 1, inline_allowed=False) for item in value]
    return "[\n" + ",\n".join(items) + "\n" + indent + "]"


def _filled(items: list[str], indent: str) -> list[str]:
    """Items separated by `, `, as many a line as fit in FILL_WIDTH."""
    lines: list[str] = []
    line = ""
    for position, item in enumerate(items):
        piece = item + ("," if position < len(items) - 1 else "")
        candidate = f"{line} {piece}" if line else indent + piece
        if line and len(candidate) > FILL_WIDTH:
            lines.append(line)
            candidate = indent + piece
        line = candidate
    lines.append(line)
    return lines
